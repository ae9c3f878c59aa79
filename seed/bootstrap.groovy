// Bootstrap: creates the seed job(s). Paste once into a Job DSL build step ("Process Job DSLs" >
// "Use the provided DSL script"), or load it with JCasC (seed/jcasc.yaml).
//
// Settings come from Job DSL variables (binding), else the controller's environment, else defaults:
//   JENKINSCTL_SEEDS    one seed per entry, separated by spaces or new lines: NAMESPACE=GIT_URL[#BRANCH]
//                       e.g. "platform=https://git.example.com/platform/jenkins-services.git
//                             data=https://git.example.com/data/jenkins-services.git#release"
//   SEED_CREDENTIALS    id of a username/API-token credential the seeds use to call Jenkins
//   SEED_AGENT_LABEL    agents the seeds run on (default: docker)
// Seeds with different namespaces coexist: each is named jenkinsctl-seed-<namespace> and each sync
// only ever changes jobs marked with its own namespace.

String setting(String name, String fallback) {
    if (binding.variables.containsKey(name) && binding.variables[name]) {
        return binding.variables[name].toString()
    }
    String fromEnv = System.getenv(name)
    return fromEnv ? fromEnv : fallback
}

// The parameters are not named after Job DSL methods (`branch`, `credentials`, `url`...): inside a
// context closure `branch(branch)` would call the local String (String.call(), MissingMethodException),
// because a local variable wins over the closure's delegate. tests/integration/test_seed_bootstrap.py
// runs this script with a stand-in that resolves names the way Job DSL does.
void seedJob(String namespace, String repoUrl, String gitBranch, String credentialsId, String agentLabel) {
    pipelineJob("jenkinsctl-seed-${namespace}") {
        description("""Seed job of namespace ${namespace}: regenerates Jenkins jobs from the service descriptors in ${repoUrl} (${gitBranch}).
Runs on changes under services/, jobs/ and jenkinsctl.yaml, and every few hours; prunes only jobs marked namespace=${namespace}.""")
        logRotator {
            numToKeep(100)
        }
        parameters {
            choiceParam('NAMESPACE', [namespace], 'Namespace whose jobs this seed owns (fixed).')
            choiceParam('CREDENTIALS_ID', [credentialsId], 'Jenkins credential (username + API token) used to sync (fixed).')
            choiceParam('AGENT_LABEL', [agentLabel], 'Agents the seed runs on (fixed).')
        }
        properties {
            disableConcurrentBuilds()
            pipelineTriggers {
                triggers {
                    pollSCM {
                        scmpoll_spec('H/5 * * * *')
                    }
                    cron {
                        spec('H H/4 * * *')
                    }
                }
            }
        }
        definition {
            cpsScm {
                scm {
                    git {
                        remote {
                            url(repoUrl)
                            credentials(credentialsId)
                        }
                        branch(gitBranch)
                        extensions {
                            pathRestriction {
                                includedRegions('services/.*\njobs/.*\njenkinsctl\\.yaml\nJenkinsfile\nseed/.*')
                                excludedRegions('')
                            }
                        }
                    }
                }
                scriptPath('seed/Jenkinsfile')
                lightweight(true)
            }
        }
    }
}

String seeds = setting('JENKINSCTL_SEEDS', 'platform=https://git.example.com/platform/jenkins-services.git')
String credentials = setting('SEED_CREDENTIALS', 'jenkinsctl-seed')
String agentLabel = setting('SEED_AGENT_LABEL', 'docker')
for (String entry : seeds.split(/\s+/)) {
    if (!entry) {
        continue
    }
    def (namespace, location) = entry.split('=', 2) as List
    def (repo, branch) = (location.contains('#') ? location.split('#', 2) : [location, 'main']) as List
    seedJob(namespace, repo, branch, credentials, agentLabel)
}
