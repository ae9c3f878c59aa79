"""The one wrapper over boto3. `session.AwsClients` (built by `jenkinsctl.factory.Factory`) holds
one typed class per AWS service (`clients.ecs`, `clients.iam`...): each exposes only the calls
jenkinsctl makes, counts them, and translates botocore errors into `AwsError`s inside. A new AWS
call goes into its service's class here (a planned mutation: add its name to `PLANNED`)."""
