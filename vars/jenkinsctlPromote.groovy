// jenkinsctlPromote(from: 'staging', to: 'prod', version: (optional), deploy: true|false, service: env.SERVICE): promote a deployed image to the next environment, by digest
// One `jenkinsctl step promote` call; results in .jenkinsctl/promote.properties (readProperties).
// Values reach the command through the environment, never through the script's text.
def call(Map args = [:]) {
    if (!args.from || !args.to) {
        error "jenkinsctlPromote: 'from' and 'to' are required, e.g. jenkinsctlPromote(from: 'staging', to: 'prod')"
    }
    withEnv(["JENKINSCTL_ARG_SERVICE=${args.service ?: env.SERVICE}", "JENKINSCTL_ARG_FROM=${args.from}",
             "JENKINSCTL_ARG_TO=${args.to}", "JENKINSCTL_ARG_VERSION=${args.version ?: ''}",
             "JENKINSCTL_ARG_DEPLOY=${args.deploy ? 'true' : ''}"]) {
        sh 'jenkinsctl step promote --service "$JENKINSCTL_ARG_SERVICE" --from "$JENKINSCTL_ARG_FROM" --to "$JENKINSCTL_ARG_TO" ${JENKINSCTL_ARG_VERSION:+--version "$JENKINSCTL_ARG_VERSION"} ${JENKINSCTL_ARG_DEPLOY:+--deploy}'
    }
}
