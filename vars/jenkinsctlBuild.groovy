// jenkinsctlBuild(service: env.SERVICE): check the Dockerfile policy and build the image
// One `jenkinsctl step build` call; results in .jenkinsctl/build.properties (readProperties).
// Values reach the command through the environment, never through the script's text.
def call(Map args = [:]) {
    withEnv(["JENKINSCTL_ARG_SERVICE=${args.service ?: env.SERVICE}"]) {
        sh 'jenkinsctl step build --service "$JENKINSCTL_ARG_SERVICE"'
    }
}
