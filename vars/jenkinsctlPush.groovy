// jenkinsctlPush(service: env.SERVICE): push the image and verify its digest
// One `jenkinsctl step push` call; results in .jenkinsctl/push.properties (readProperties).
// Values reach the command through the environment, never through the script's text.
def call(Map args = [:]) {
    withEnv(["JENKINSCTL_ARG_SERVICE=${args.service ?: env.SERVICE}"]) {
        sh 'jenkinsctl step push --service "$JENKINSCTL_ARG_SERVICE"'
    }
}
