// jenkinsctlTest(service: env.SERVICE): run the service's tests inside the built image
// One `jenkinsctl step test` call; results in .jenkinsctl/test.properties (readProperties).
def call(Map args = [:]) {
    sh "jenkinsctl step test --service '${args.service ?: env.SERVICE}'"
}
