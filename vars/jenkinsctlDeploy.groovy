// jenkinsctlDeploy(env: 'prod', version: '1.2.3' (optional), service: env.SERVICE): deploy the image by digest to an environment
// One `jenkinsctl step deploy` call; results in .jenkinsctl/deploy.properties (readProperties).
// Values reach the command through the environment, never through the script's text.
def call(Map args = [:]) {
    if (!args.env) {
        error "jenkinsctlDeploy: 'env' is required, e.g. jenkinsctlDeploy(env: 'prod')"
    }
    withEnv(["JENKINSCTL_ARG_SERVICE=${args.service ?: env.SERVICE}", "JENKINSCTL_ARG_ENV=${args.env}",
             "JENKINSCTL_ARG_VERSION=${args.version ?: ''}"]) {
        sh 'jenkinsctl step deploy --service "$JENKINSCTL_ARG_SERVICE" --env "$JENKINSCTL_ARG_ENV" ${JENKINSCTL_ARG_VERSION:+--version "$JENKINSCTL_ARG_VERSION"}'
    }
}
