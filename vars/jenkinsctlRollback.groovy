// jenkinsctlRollback(env: 'prod', to: '1.2.2' (optional), service: env.SERVICE): roll an environment back to its last known good version (or to:)
// One `jenkinsctl step rollback` call; results in .jenkinsctl/rollback.properties (readProperties).
// Values reach the command through the environment, never through the script's text.
def call(Map args = [:]) {
    if (!args.env) {
        error "jenkinsctlRollback: 'env' is required, e.g. jenkinsctlRollback(env: 'prod')"
    }
    withEnv(["JENKINSCTL_ARG_SERVICE=${args.service ?: env.SERVICE}", "JENKINSCTL_ARG_ENV=${args.env}",
             "JENKINSCTL_ARG_TO=${args.to ?: ''}"]) {
        sh 'jenkinsctl step rollback --service "$JENKINSCTL_ARG_SERVICE" --env "$JENKINSCTL_ARG_ENV" ${JENKINSCTL_ARG_TO:+--to "$JENKINSCTL_ARG_TO"}'
    }
}
