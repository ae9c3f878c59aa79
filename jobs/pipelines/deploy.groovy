// Deploy job: one service, one environment (both fixed job parameters), the version chosen.
// Environments marked `approval: true` wait here for a person before anything changes.
pipeline {
    agent none
    options {
        disableConcurrentBuilds()
    }
    stages {
        stage('Approval') {
            when {
                beforeInput true
                expression { params.APPROVAL == 'required' }
            }
            input {
                message "Deploy ${params.SERVICE} ${params.VERSION ?: '(latest pushed version)'} to ${params.ENVIRONMENT}?"
                ok 'Deploy'
                submitterParameter 'APPROVER'
            }
            steps {
                echo "Deploy to ${params.ENVIRONMENT} approved by ${APPROVER}"
                // jenkinsctl deploys to an approval environment only with the approver's name
                script { env.JENKINSCTL_APPROVED_BY = APPROVER }
            }
        }
        stage('Deploy') {
            agent { label params.AGENT_LABEL }
            steps {
                // CONFIG_ONLY (set by the seed): the running image again, with the current runtime configuration
                sh '''
                    if [ "$CONFIG_ONLY" = true ]; then set -- --config-only; else set -- ${VERSION:+--version "$VERSION"}; fi
                    jenkinsctl step deploy --service "$SERVICE" --env "$ENVIRONMENT" "$@"
                '''
            }
        }
    }
}
