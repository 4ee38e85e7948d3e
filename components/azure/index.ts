export * from "./backupStorage";
export * from "./dumpJob";
export * from "./fieldKeyVault";
export * from "./postgresServer";
export * from "./regions";
export * from "./alerts";
export * from "./recoveryJobs";
export * from "./network";
