// jenkinsctlBuild(service: env.SERVICE): check the Dockerfile policy and build the image
// One `jenkinsctl step build` call; results in .jenkinsctl/build.properties (readProperties).
def call(Map args = [:]) {
    sh "jenkinsctl step build --service '${args.service ?: env.SERVICE}'"
}
