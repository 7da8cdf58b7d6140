// Offline defaults for every test file: dummy credentials (never real ones) and no SDK Node-version nag.
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
process.env.AWS_SESSION_TOKEN = 'testing';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_DISABLE_REQUEST_COMPRESSION = 'true';
process.env.AWS_REGION ??= 'us-east-1';
delete process.env.AWS_PROFILE;
process.env.LOG_LEVEL ??= 'SILENT';
