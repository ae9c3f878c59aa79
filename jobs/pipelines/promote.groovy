// Promote job: the image deployed in FROM is retagged by digest for TO (never rebuilt), and with
// DEPLOY also deployed there. Promotions into APPROVAL_ENVS wait for a person first.
pipeline {
    agent none
    options {
        disableConcurrentBuilds()
    }
    stages {
        stage('Approval') {
            when {
                beforeInput true
                expression { params.TO in params.APPROVAL_ENVS.tokenize(',') }
            }
            input {
                message "Promote ${params.SERVICE} from ${params.FROM} to ${params.TO}?"
                ok 'Promote'
                submitterParameter 'APPROVER'
            }
            steps {
                echo "Promotion to ${params.TO} approved by ${APPROVER}"
                // jenkinsctl deploys to an approval environment only with the approver's name
                script { env.JENKINSCTL_APPROVED_BY = APPROVER }
            }
        }
        stage('Promote') {
            agent { label params.AGENT_LABEL }
            steps {
                sh 'jenkinsctl step promote --service "$SERVICE" --from "$FROM" --to "$TO" ${VERSION:+--version "$VERSION"} $([ "$DEPLOY" = true ] && echo --deploy)'
            }
        }
    }
}
