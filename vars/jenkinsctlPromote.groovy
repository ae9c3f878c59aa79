// jenkinsctlPromote(from: 'staging', to: 'prod', version: (optional), deploy: true|false, service: env.SERVICE): promote a deployed image to the next environment, by digest
// One `jenkinsctl step promote` call; results in .jenkinsctl/promote.properties (readProperties).
def call(Map args = [:]) {
    sh "jenkinsctl step promote --service '${args.service ?: env.SERVICE}' --from '${args.from}' --to '${args.to}'${args.version ? " --version '${args.version}'" : ''}${args.deploy ? ' --deploy' : ''}"
}
