import * as pulumi from "@pulumi/pulumi";
import { runStack } from "./stacks";

// The Pulumi entry point: `pulumi preview -s <site>` runs the site's program.
export = runStack(pulumi.getStack());
