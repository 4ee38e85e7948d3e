/**
 * Keeps V8's young generation at its initial size (semi-spaces of 1 MiB) for the life of the
 * job. Imported first by scripts/cli.ts, before any module grows the heap.
 *
 * Why: a backup to a remote target streams the whole archive through node in the pipe's read
 * chunks (64 KiB each, new external memory every read), with so few JS allocations per byte
 * that V8, left to itself, doubles the semi-spaces to 16 MiB and scavenges every couple of
 * seconds: 15-25 MB of chunks already hashed and copied waited there for the next scavenge, on
 * top of the upload's own buffers, and the peak grew with the run (issue 15). With the
 * semi-spaces held at 1 MiB the chunks are freed within a megabyte of JS allocation: peak RSS
 * of `lifeboat backup` of a 1 GB database to s3 ~130 -> ~106 MB (scavenges 14 -> 47 in a run,
 * each well under a millisecond), the same as `node --max-semi-space-size=1`, which is a
 * start-up flag only and so out of reach of `node dist/scripts/cli.js` as the image runs it.
 *
 * `--semi-space-growth-factor` is read by V8 on every growth of the young generation, so
 * setting it at run time takes effect; where a later V8 would ignore it, the job just runs
 * with V8's default sizing.
 */
import { setFlagsFromString } from "v8";

setFlagsFromString("--semi-space-growth-factor=1");
