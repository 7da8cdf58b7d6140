import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Properties of {@link ResponderTrail}. */
export interface ResponderTrailProps {
  /**
   * Days after which log files move to S3 Glacier Instant Retrieval (they are rarely read but must stay readable).
   * @default 90
   */
  readonly transitionToGlacierAfterDays?: number;
}

/**
 * A multi-Region CloudTrail trail for accounts that have none. EventBridge receives CloudTrail API events (the
 * responder's trigger) only while a trail is logging. Log files are KMS-encrypted and validated; the bucket
 * enforces TLS, blocks public access and logs its own access to a second bucket. Bucket, logs and key are kept
 * when the stack is deleted: they are audit evidence.
 */
export class ResponderTrail extends Construct {
  readonly trail: cloudtrail.Trail;
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: ResponderTrailProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the CloudTrail log files of the GuardDuty drift responder trail',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.allowCloudTrail();
    const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
      // Server access log delivery supports SSE-S3 only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // cdk-nag's S1 does not flag this bucket: it recognises it as the access-log destination of the trail bucket.
    this.bucket = new s3.Bucket(this, 'Bucket', {
      // Objects are written SSE-KMS by CloudTrail with the trail key; the bucket default covers anything else.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'cloudtrail-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          transitions: [
            {
              storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(props.transitionToGlacierAfterDays ?? 90),
            },
          ],
        },
      ],
    });
    this.trail = new cloudtrail.Trail(this, 'Trail', {
      bucket: this.bucket,
      encryptionKey: this.key,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
    });
  }

  /**
   * The key policy statements CloudTrail needs (the CDK adds none for a key passed in: aws-cdk #3822, #23391;
   * without them the trail cannot be created). Limited to trails of this account; the trail ARN itself cannot be
   * named without a circular reference (the trail depends on the key), so the condition is a pattern.
   */
  private allowCloudTrail(): void {
    const { account, partition } = Stack.of(this);
    const trails = `arn:${partition}:cloudtrail:*:${account}:trail/*`;
    const cloudTrail = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToEncryptLogs',
        principals: [cloudTrail],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trails, 'aws:SourceArn': trails },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToDescribeKey',
        principals: [cloudTrail],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisAccountToReadLogs',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Decrypt', 'kms:ReEncryptFrom'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:CallerAccount': account },
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trails },
        },
      }),
    );
  }
}
