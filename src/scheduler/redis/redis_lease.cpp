// Job leases in Redis. Depends on scheduler, net.
#include "scheduler/redis/redis_lease.h"

namespace tandem::scheduler {

// SET ... NX GET answers the value it found: nil when the key was free (taken now), this node's
// own when a resent command had already taken it (or this node still holds it), another's when
// that node holds it. Redis 7.0 and later.
core::Result<bool> RedisJobLease::take(std::string_view job, std::chrono::milliseconds ttl) {
  auto reply = redis_->run(
      net::Command{"SET", key(job), node_, "NX", "GET", "PX", std::to_string(ttl.count())});
  if (!reply) return core::fail(reply.error());
  if (reply->is_error()) return core::fail(core::unavailable("SET NX GET: " + reply->describe()));
  return reply->type == net::Reply::Type::kNil || reply->text == node_;
}

}  // namespace tandem::scheduler
