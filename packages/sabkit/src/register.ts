/**
 * `import "sabkit/register"`: registers every kind of every sabkit package
 * in this thread, so that `revive` can turn any sabkit handle into a live
 * object. Import it in a worker's module that receives primitives without
 * importing their classes. Each package's own `register` entry does the same
 * for that package alone.
 *
 * @packageDocumentation
 */
import "@sabkit/barrier/register";
import "@sabkit/event/register";
import "@sabkit/lock/register";
import "@sabkit/pipe/register";
import "@sabkit/queue/register";
import "@sabkit/semaphore/register";
import "@sabkit/shared/register";
