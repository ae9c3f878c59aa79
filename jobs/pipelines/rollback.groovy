// Rollback job: put an environment back on its last known good version (or VERSION). No approval:
// a rollback restores what was already approved.
pipeline {
    agent { label params.AGENT_LABEL }
    options {
        disableConcurrentBuilds()
    }
    stages {
        stage('Rollback') {
            steps {
                sh 'jenkinsctl step rollback --service "$SERVICE" --env "$ENVIRONMENT" ${VERSION:+--to "$VERSION"}'
            }
        }
    }
}
