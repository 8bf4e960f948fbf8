// The alias map as queries see it: one Map per project, reused by every query until an identity
// event changes it, so the engine can keep what it derived from the map (user numbers) between
// queries. The processor calls `changed` whenever an alias, identify or merge links something.
// (In one process this is exact; query nodes in other processes will need a version from the
// alias store itself.)

import type { AliasStore } from "./alias-store.js";

export class AliasSnapshots {
  private readonly current = new Map<number, Promise<Map<string, string>>>();

  constructor(private readonly aliases: AliasStore) {}

  snapshot(projectId: number): Promise<Map<string, string>> {
    let snapshot = this.current.get(projectId);
    if (snapshot === undefined) {
      snapshot = this.aliases.snapshot(projectId);
      this.current.set(projectId, snapshot);
      snapshot.catch(() => this.current.delete(projectId));
    }
    return snapshot;
  }

  changed(projectId: number): void {
    this.current.delete(projectId);
  }
}
