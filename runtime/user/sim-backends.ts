// Backends over the VM's SimCollection: a map name in, its MockMap (a MapBackend) or, for an event channel, the
// collection's simulated channel (an EventBackend) out.

import { MAP_KINDS } from "../../core/maps.ts";
import type { SimCollection } from "../interp/collection.ts";
import type { EventBackend, MapBackend } from "./backend.ts";
import type { BackendFor } from "./bind.ts";

export function simBackends(collection: SimCollection): BackendFor {
  return (name) => {
    const spec = collection.spec.maps.find((m) => m.name === name);
    if (spec && MAP_KINDS[spec.type].channel) {
      const channel = (collection as { channel?: (name: string) => EventBackend | undefined }).channel?.(name);
      if (!channel) throw new Error(`event channel ${name}: this SimCollection does not simulate ${spec.type} maps (it has no channel(name))`);
      return channel;
    }
    const map: MapBackend = collection.map(name);
    return map;
  };
}
