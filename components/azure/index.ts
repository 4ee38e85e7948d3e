export * from "./backupStorage";
export * from "./dumpJob";
export * from "./fieldKeyVault";
export * from "./postgresServer";
export * from "./regions";
