// A worker of the program's own (not a Process): it revives the queues it is
// sent, so their kinds must be registered in this bundle.
import { revive } from "sabkit";
import "sabkit/register";

self.onmessage = async (event) => {
  const { inbox, outbox } = revive(event.data);
  for (;;) {
    const item = await inbox.getAsync({ timeout: 10_000 });
    if (item === null) break;
    await outbox.putAsync(`${item.label}=${item.n * 2}`);
  }
  await outbox.putAsync(null);
};
