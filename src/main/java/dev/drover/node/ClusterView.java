package dev.drover.node;

import java.util.List;

/**
 * The cluster as one of its members sees it.
 *
 * @param self this member's address
 * @param leader the leader's address, or null when there is none (yet)
 * @param members every member, by address
 */
public record ClusterView(String self, String leader, List<Member> members) {

  /**
   * One member of the cluster.
   *
   * @param address its address, e.g. {@code pekko://drover@127.0.0.1:25520}
   * @param status Joining, WeaklyUp, Up, Leaving, Exiting, Down or Removed
   * @param roles its roles: {@code engine}, {@code supervisor}, {@code worker}, {@code client}, ...
   * @param reachable whether this member's failure detector reaches it
   */
  public record Member(String address, String status, List<String> roles, boolean reachable) {}
}
