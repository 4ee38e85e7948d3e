// Jest reads testTimeout from the global config only: the integration project sets its own here
// (real servers: cluster start, Azurite, backups and restores take seconds, not milliseconds).
jest.setTimeout(120000);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
