// jenkinsctlVersion(service: env.SERVICE): compute the version from git tags and commits
// One `jenkinsctl step version` call; results in .jenkinsctl/version.properties (readProperties).
// Values reach the command through the environment, never through the script's text.
def call(Map args = [:]) {
    withEnv(["JENKINSCTL_ARG_SERVICE=${args.service ?: env.SERVICE}"]) {
        sh 'jenkinsctl step version --service "$JENKINSCTL_ARG_SERVICE"'
    }
}
