// jenkinsctlDeploy(env: 'prod', version: '1.2.3' (optional), service: env.SERVICE): deploy the image by digest to an environment
// One `jenkinsctl step deploy` call; results in .jenkinsctl/deploy.properties (readProperties).
def call(Map args = [:]) {
    sh "jenkinsctl step deploy --service '${args.service ?: env.SERVICE}' --env '${args.env}'${args.version ? " --version '${args.version}'" : ''}"
}
