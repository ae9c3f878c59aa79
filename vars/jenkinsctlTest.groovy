// jenkinsctlTest(service: env.SERVICE): run the service's tests inside the built image
// One `jenkinsctl step test` call; results in .jenkinsctl/test.properties (readProperties).
// Values reach the command through the environment, never through the script's text.
def call(Map args = [:]) {
    withEnv(["JENKINSCTL_ARG_SERVICE=${args.service ?: env.SERVICE}"]) {
        sh 'jenkinsctl step test --service "$JENKINSCTL_ARG_SERVICE"'
    }
}
