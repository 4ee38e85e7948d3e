/**
 * The job's child processes (pg_dump, pg_restore) die with the job. Each is tracked, so a second
 * SIGTERM/SIGINT (which exits at once) kills them first; and on Linux each is started through
 * util-linux's `setpriv --pdeathsig KILL`, so the kernel kills it when the job itself is killed
 * with SIGKILL (or dies any other way) and no orphan runs on to completion.
 */
import { ChildProcess, spawn, SpawnOptions } from "child_process";
import { accessSync, constants } from "fs";

const live = new Set<ChildProcess>();

let setprivPath: string | null | undefined;

/** util-linux's setpriv when it exists (Debian: always, util-linux is essential); else null. */
function setpriv(): string | null {
    if (setprivPath === undefined) {
        setprivPath = null;
        if (process.platform === "linux") {
            for (const p of ["/usr/bin/setpriv", "/bin/setpriv"]) {
                try {
                    accessSync(p, constants.X_OK);
                    setprivPath = p;
                    break;
                } catch {
                    // not there
                }
            }
        }
    }
    return setprivPath;
}

/** Spawns `program` tied to the job's life: killed with it, and killed by `signal` when given. */
export function spawnChild(program: string, args: string[], options: SpawnOptions, signal?: AbortSignal): ChildProcess {
    const wrapper = setpriv();
    const child = wrapper === null ? spawn(program, args, options) : spawn(wrapper, ["--pdeathsig", "KILL", "--", program, ...args], options);
    live.add(child);
    const onAbort = (): void => {
        child.kill("SIGKILL");
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    child.once("close", () => {
        live.delete(child);
        signal?.removeEventListener("abort", onAbort);
    });
    child.once("error", () => live.delete(child));
    return child;
}

/** Kills every live child now (synchronous: safe right before process.exit). */
export function killChildren(): void {
    for (const c of live) {
        try {
            c.kill("SIGKILL");
        } catch {
            // already gone
        }
    }
}
