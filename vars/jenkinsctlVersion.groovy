// jenkinsctlVersion(service: env.SERVICE): compute the version from git tags and commits
// One `jenkinsctl step version` call; results in .jenkinsctl/version.properties (readProperties).
def call(Map args = [:]) {
    sh "jenkinsctl step version --service '${args.service ?: env.SERVICE}'"
}
