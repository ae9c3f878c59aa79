// env-gc job: remove the service's preview environments whose branch is gone (git ls-remote of the
// service's repository) or whose TTL passed. The ci job starts it when Jenkins deletes a branch's job.
pipeline {
    agent { label params.AGENT_LABEL }
    options {
        disableConcurrentBuilds()
    }
    stages {
        stage('Previews') {
            steps {
                echo "Branch job removed: ${params.SOURCE_PROJECT_FULL_NAME ?: '(none: a scheduled run)'}"
                sh 'jenkinsctl env gc "$SERVICE"'
            }
        }
    }
}
