export * from "./jobImage";
export * from "./localBackup";
