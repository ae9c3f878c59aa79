"""The one wrapper over boto3: `session.AwsClients` builds every client (sandbox endpoint,
retries, region) and translates botocore errors into `AwsError`s. Service modules beside it
expose only the calls jenkinsctl uses."""
