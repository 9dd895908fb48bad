import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const secretsManager = new SecretsManagerClient({});
const cache = new Map<string, Promise<string>>();

/**
 * The secret whose ARN is in the environment variable `name`, read once per execution environment: a
 * rotated secret is picked up by new environments, which is what the payment provider's grace period is for.
 */
export function secretFromEnvironment(name: string): Promise<string> {
  const arn = process.env[name];
  if (!arn) return Promise.reject(new Error(`${name} is not set`));
  let value = cache.get(arn);
  if (!value) {
    value = secretsManager.send(new GetSecretValueCommand({ SecretId: arn })).then((result) => {
      if (!result.SecretString) throw new Error(`secret ${arn} has no string value`);
      return result.SecretString;
    });
    // A failed read is retried by the next invocation instead of being cached.
    value.catch(() => cache.delete(arn));
    cache.set(arn, value);
  }
  return value;
}
