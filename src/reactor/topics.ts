/**
 * Which sockets are attached to which broadcast topics, kept both ways, for
 * a reactor whose channel fan-out runs in JavaScript (node, deno): a topic
 * lists its sockets for `publish`, and a socket lists its topics so that
 * closing it leaves all of them at once. What a socket is, and how a message
 * reaches it, stays in the reactor.
 */
export class Topics<S> {
  private readonly topics = new Map<string, Set<S>>();
  private readonly memberships = new Map<S, Set<string>>();

  /** The sockets attached to `topic`, if any. */
  members(topic: string): ReadonlySet<S> | undefined {
    return this.topics.get(topic);
  }

  /** How many sockets are attached to `topic`. */
  count(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  add(topic: string, s: S): void {
    let set = this.topics.get(topic);
    if (set === undefined) this.topics.set(topic, (set = new Set()));
    set.add(s);
    let mine = this.memberships.get(s);
    if (mine === undefined) this.memberships.set(s, (mine = new Set()));
    mine.add(topic);
  }

  remove(topic: string, s: S): void {
    const set = this.topics.get(topic);
    if (set === undefined) return;
    set.delete(s);
    if (set.size === 0) this.topics.delete(topic);
    this.memberships.get(s)?.delete(topic);
  }

  /** The socket closed: detach it from every topic. */
  removeAll(s: S): void {
    const mine = this.memberships.get(s);
    if (mine === undefined) return;
    this.memberships.delete(s);
    for (const topic of mine) {
      const set = this.topics.get(topic);
      set?.delete(s);
      if (set?.size === 0) this.topics.delete(topic);
    }
  }
}
