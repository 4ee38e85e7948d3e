// The Pulumi program (Pulumi.yaml `main: stacks/`). A function export is run by Pulumi and
// its result becomes the stack outputs.
import { lifeboat } from "./program";

export = lifeboat;
