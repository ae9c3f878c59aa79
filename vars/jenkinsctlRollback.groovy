// jenkinsctlRollback(env: 'prod', to: '1.2.2' (optional), service: env.SERVICE): roll an environment back to its last known good version (or to:)
// One `jenkinsctl step rollback` call; results in .jenkinsctl/rollback.properties (readProperties).
def call(Map args = [:]) {
    sh "jenkinsctl step rollback --service '${args.service ?: env.SERVICE}' --env '${args.env}'${args.to ? " --to '${args.to}'" : ''}"
}
