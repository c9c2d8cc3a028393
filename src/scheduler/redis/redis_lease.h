// RedisJobLease: job leases in Redis, shared by every node that uses the same Redis (one server
// or a cluster): `SET <prefix>lease:job:<name> <node> NX PX <ttl>`. The first node to fire takes
// the key; it expires by itself, so a node that dies holds nothing for long. Depends on
// scheduler (the interface) and net (Redis).
#pragma once

#include <memory>
#include <string>

#include "net/redis.h"
#include "scheduler/lease.h"

namespace tandem::scheduler {

class RedisJobLease final : public JobLease {
 public:
  // `node` names this process in the key's value (for operators: who holds it).
  RedisJobLease(std::shared_ptr<net::Redis> redis, std::string prefix, std::string node)
      : redis_(std::move(redis)), prefix_(std::move(prefix)), node_(std::move(node)) {}

  core::Result<bool> take(std::string_view job, std::chrono::milliseconds ttl) override;
  std::string where() const override { return "redis " + redis_->where(); }

  // The key of a job's lease.
  std::string key(std::string_view job) const { return prefix_ + "lease:job:" + std::string(job); }

 private:
  std::shared_ptr<net::Redis> redis_;
  std::string prefix_, node_;
};

}  // namespace tandem::scheduler
