// Queue alone.
import { Queue } from "sabkit";

const queue = new Queue();
queue.put({ n: 1 });
console.log(queue.get());
