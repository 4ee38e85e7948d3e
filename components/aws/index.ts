export * from "./backupBucket";
export * from "./dumpTask";
export * from "./fieldKeySecret";
export * from "./rdsPostgres";
export * from "./regions";
export * from "./webIdentityRole";
export * from "./jobRepository";
