// jenkinsctlPush(service: env.SERVICE): push the image and verify its digest
// One `jenkinsctl step push` call; results in .jenkinsctl/push.properties (readProperties).
def call(Map args = [:]) {
    sh "jenkinsctl step push --service '${args.service ?: env.SERVICE}'"
}
