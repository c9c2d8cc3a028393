// Posting-list trees over one part, and the matching over every part. Depends on the index.
#include "search/native/match.h"

#include <algorithm>
#include <memory>
#include <queue>

namespace tandem::search::native {
namespace {

constexpr DocId kEnd = UINT32_MAX;

double saturation(std::uint32_t wdf) {
  double f = wdf / kWdfUnits;
  return 2.0 * f / (1.0 + f);
}

// A posting list: the documents of a subquery in docid order, each with its weight and wdf.
class Node {
 public:
  virtual ~Node() = default;
  DocId doc() const { return doc_; }  // kEnd at the end
  bool at_end() const { return doc_ == kEnd; }
  virtual void next() = 0;
  virtual void skip_to(DocId target) = 0;  // to the first at or after target
  virtual double weight() = 0;             // of doc()
  virtual std::uint32_t wdf() = 0;         // of doc(): the sum of its terms' (for synonyms)
  virtual double max_weight() const = 0;   // of any document
  virtual std::uint64_t size() const = 0;  // documents at most
  // Positions of doc() when the list is one term (phrases), else false.
  virtual bool positions(std::vector<std::uint32_t>&) const { return false; }

 protected:
  DocId doc_ = kEnd;
};
using NodePtr = std::unique_ptr<Node>;

class TermNode final : public Node {
 public:
  TermNode(PostingIterator it, std::uint32_t docs, std::uint32_t wdf_max, double factor)
      : it_(it), docs_(docs), factor_(factor), flat_(factor >= kFlatWeight) {
    max_ = flat_ ? factor : saturation(wdf_max) * factor;
    sync();
  }
  void next() override {
    it_.next();
    sync();
  }
  void skip_to(DocId target) override {
    it_.skip_to(target);
    sync();
  }
  double weight() override { return flat_ ? factor_ : saturation(it_.wdf()) * factor_; }
  std::uint32_t wdf() override { return it_.wdf(); }
  double max_weight() const override { return max_; }
  std::uint64_t size() const override { return docs_; }
  bool positions(std::vector<std::uint32_t>& out) const override {
    it_.positions(out);
    return true;
  }

 private:
  void sync() { doc_ = it_.at_end() ? kEnd : it_.doc(); }
  PostingIterator it_;
  std::uint32_t docs_;
  double factor_, max_ = 0;
  bool flat_;
};

// Every document of the part, weight 0.
class AllNode final : public Node {
 public:
  explicit AllNode(DocId documents) : end_(documents) { doc_ = documents > 0 ? 0 : kEnd; }
  void next() override { doc_ = doc_ + 1 < end_ ? doc_ + 1 : kEnd; }
  void skip_to(DocId target) override {
    if (!at_end() && target > doc_) doc_ = target < end_ ? target : kEnd;
  }
  double weight() override { return 0; }
  std::uint32_t wdf() override { return 0; }
  double max_weight() const override { return 0; }
  std::uint64_t size() const override { return end_; }

 private:
  DocId end_;
};

// The documents of a bit set, weight 0.
class BitsNode final : public Node {
 public:
  explicit BitsNode(const Bits& bits) : bits_(bits), size_(count(bits)) { doc_ = from(0); }
  void next() override { doc_ = from(static_cast<std::size_t>(doc_) + 1); }
  void skip_to(DocId target) override {
    if (!at_end() && target > doc_) doc_ = from(target);
  }
  double weight() override { return 0; }
  std::uint32_t wdf() override { return 0; }
  double max_weight() const override { return 0; }
  std::uint64_t size() const override { return size_; }

 private:
  DocId from(std::size_t at) const {
    for (std::size_t w = at / 64; w < bits_.size(); ++w) {
      std::uint64_t word = bits_[w];
      if (w == at / 64) word &= ~std::uint64_t{0} << (at % 64);
      if (word != 0)
        return static_cast<DocId>(w * 64 + static_cast<std::size_t>(__builtin_ctzll(word)));
    }
    return kEnd;
  }
  const Bits& bits_;
  std::uint64_t size_;
};

// Documents in every list (rarest first, leapfrogging).
class AndNode : public Node {
 public:
  explicit AndNode(std::vector<NodePtr> kids) : kids_(std::move(kids)) {
    std::sort(kids_.begin(), kids_.end(),
              [](const NodePtr& a, const NodePtr& b) { return a->size() < b->size(); });
    for (const auto& k : kids_)
      max_ += k->max_weight();
    align(kids_[0]->doc());
  }
  void next() override {
    if (!at_end()) {
      kids_[0]->next();
      align(kids_[0]->doc());
    }
  }
  void skip_to(DocId target) override {
    if (!at_end() && target > doc_) {
      kids_[0]->skip_to(target);
      align(kids_[0]->doc());
    }
  }
  double weight() override {
    double w = 0;
    for (auto& k : kids_)
      w += k->weight();
    return w;
  }
  std::uint32_t wdf() override {
    std::uint32_t n = 0;
    for (auto& k : kids_)
      n += k->wdf();
    return n;
  }
  double max_weight() const override { return max_; }
  std::uint64_t size() const override { return kids_[0]->size(); }

 protected:
  // Moves every list to the first document at or after `target` that all have (and accept()).
  void align(DocId target) {
    while (true) {
      std::size_t agreed = 1, i = 1 % kids_.size();
      while (target != kEnd && agreed < kids_.size()) {
        kids_[i]->skip_to(target);
        DocId d = kids_[i]->doc();
        if (d == target) {
          ++agreed;
        } else {
          target = d;
          agreed = 1;
        }
        i = (i + 1) % kids_.size();
      }
      doc_ = target;
      if (target == kEnd || accept()) return;
      kids_[0]->next();
      target = kids_[0]->doc();
    }
  }
  virtual bool accept() { return true; }  // (phrases check positions)
  std::vector<NodePtr> kids_;
  double max_ = 0;
};

// Terms in order within a window of positions.
class PhraseNode final : public AndNode {
 public:
  static NodePtr make(std::vector<NodePtr> terms, std::uint32_t window) {
    std::vector<Node*> order;  // the base sorts its lists by size: the phrase's order is kept here
    for (auto& t : terms)
      order.push_back(t.get());
    std::unique_ptr<PhraseNode> node(new PhraseNode(std::move(terms), window, std::move(order)));
    node->align(node->kids_[0]->doc());  // again, now that accept() checks positions
    return node;
  }

 private:
  PhraseNode(std::vector<NodePtr> terms, std::uint32_t window, std::vector<Node*> order)
      : AndNode(std::move(terms)), window_(window), order_(std::move(order)) {}
  // Whether some positions, one per term, ascend in the phrase's order within the window.
  bool accept() override {
    if (order_.empty()) return true;  // (the base's constructor)
    positions_.resize(order_.size());
    for (std::size_t i = 0; i < order_.size(); ++i)
      order_[i]->positions(positions_[i]);
    for (auto start : positions_[0]) {
      std::uint32_t at = start;
      bool found = true;
      for (std::size_t i = 1; i < positions_.size() && found; ++i) {
        auto next = std::upper_bound(positions_[i].begin(), positions_[i].end(), at);
        found = next != positions_[i].end() && *next - start < window_;
        if (found) at = *next;
      }
      if (found) return true;
    }
    return false;
  }
  std::uint32_t window_;
  std::vector<Node*> order_;
  std::vector<std::vector<std::uint32_t>> positions_;
};

// Documents in any list.
class OrNode final : public Node {
 public:
  explicit OrNode(std::vector<NodePtr> kids) : kids_(std::move(kids)) {
    for (const auto& k : kids_) {
      max_ += k->max_weight();
      size_ += k->size();
    }
    settle();
  }
  void next() override {
    for (auto& k : kids_)
      if (k->doc() == doc_) k->next();
    settle();
  }
  void skip_to(DocId target) override {
    if (at_end() || target <= doc_) return;
    for (auto& k : kids_)
      k->skip_to(target);
    settle();
  }
  double weight() override {
    double w = 0;
    for (auto& k : kids_)
      if (k->doc() == doc_) w += k->weight();
    return w;
  }
  std::uint32_t wdf() override {
    std::uint32_t n = 0;
    for (auto& k : kids_)
      if (k->doc() == doc_) n += k->wdf();
    return n;
  }
  double max_weight() const override { return max_; }
  std::uint64_t size() const override { return size_; }

 private:
  void settle() {
    doc_ = kEnd;
    for (const auto& k : kids_)
      doc_ = std::min(doc_, k->doc());
  }
  std::vector<NodePtr> kids_;
  double max_ = 0;
  std::uint64_t size_ = 0;
};

// Any of its lists, weighed as one term with the sum of their wdfs.
class SynonymNode final : public Node {
 public:
  SynonymNode(NodePtr any, std::uint32_t wdf_max, double factor)
      : any_(std::move(any)), factor_(factor), flat_(factor >= kFlatWeight) {
    max_ = flat_ ? factor : saturation(wdf_max) * factor;
    doc_ = any_->doc();
  }
  void next() override {
    any_->next();
    doc_ = any_->doc();
  }
  void skip_to(DocId target) override {
    any_->skip_to(target);
    doc_ = any_->doc();
  }
  double weight() override { return flat_ ? factor_ : saturation(any_->wdf()) * factor_; }
  std::uint32_t wdf() override { return any_->wdf(); }
  double max_weight() const override { return max_; }
  std::uint64_t size() const override { return any_->size(); }

 private:
  NodePtr any_;
  double factor_, max_ = 0;
  bool flat_;
};

// The first list, less the documents of the second.
class AndNotNode final : public Node {
 public:
  AndNotNode(NodePtr first, NodePtr except) : first_(std::move(first)), except_(std::move(except)) {
    settle();
  }
  void next() override {
    first_->next();
    settle();
  }
  void skip_to(DocId target) override {
    first_->skip_to(target);
    settle();
  }
  double weight() override { return first_->weight(); }
  std::uint32_t wdf() override { return first_->wdf(); }
  double max_weight() const override { return first_->max_weight(); }
  std::uint64_t size() const override { return first_->size(); }

 private:
  void settle() {
    for (; !first_->at_end(); first_->next()) {
      except_->skip_to(first_->doc());
      if (except_->doc() != first_->doc()) break;
    }
    doc_ = first_->doc();
  }
  NodePtr first_, except_;
};

// The first list; the others add their weights where they match too.
class AndMaybeNode final : public Node {
 public:
  AndMaybeNode(NodePtr first, std::vector<NodePtr> maybe)
      : first_(std::move(first)), maybe_(std::move(maybe)) {
    max_ = first_->max_weight();
    for (const auto& m : maybe_)
      max_ += m->max_weight();
    doc_ = first_->doc();
  }
  void next() override {
    first_->next();
    doc_ = first_->doc();
  }
  void skip_to(DocId target) override {
    first_->skip_to(target);
    doc_ = first_->doc();
  }
  double weight() override {
    double w = first_->weight();
    for (auto& m : maybe_) {
      m->skip_to(doc_);
      if (m->doc() == doc_) w += m->weight();
    }
    return w;
  }
  std::uint32_t wdf() override {
    std::uint32_t n = first_->wdf();
    for (auto& m : maybe_) {
      m->skip_to(doc_);
      if (m->doc() == doc_) n += m->wdf();
    }
    return n;
  }
  double max_weight() const override { return max_; }
  std::uint64_t size() const override { return first_->size(); }

 private:
  NodePtr first_;
  std::vector<NodePtr> maybe_;
  double max_ = 0;
};

// Sums of wdf upper bounds, for a synonym's maximum weight.
std::uint32_t wdf_bound(const Segment& seg, const Query& q) {
  if (q.op == Query::Op::kTerm) {
    auto i = seg.find(q.term);
    return i ? seg.term_wdf_max(*i) : 0;
  }
  std::uint64_t n = 0;
  for (const auto& s : q.subs)
    n += wdf_bound(seg, s);
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(n, UINT32_MAX));
}

// The posting list of `q` in one part, its weights times `factor`; null when it matches nothing.
NodePtr build(const Segment& seg, const Query& q, double factor) {
  using Op = Query::Op;
  auto kids = [&](std::size_t from, double f) {
    std::vector<NodePtr> out;
    for (std::size_t i = from; i < q.subs.size(); ++i)
      if (auto n = build(seg, q.subs[i], f)) out.push_back(std::move(n));
    return out;
  };
  auto any = [](std::vector<NodePtr> nodes) -> NodePtr {
    if (nodes.empty()) return nullptr;
    if (nodes.size() == 1) return std::move(nodes[0]);
    return std::make_unique<OrNode>(std::move(nodes));
  };
  switch (q.op) {
    case Op::kNothing: return nullptr;
    case Op::kAll:
      return seg.documents() > 0 ? std::make_unique<AllNode>(seg.documents()) : nullptr;
    case Op::kTerm: {
      auto i = seg.find(q.term);
      if (!i) return nullptr;
      return std::make_unique<TermNode>(seg.postings(*i), seg.term_docs(*i), seg.term_wdf_max(*i),
                                        factor);
    }
    case Op::kScale: return q.subs.empty() ? nullptr : build(seg, q.subs[0], factor * q.factor);
    case Op::kOr: return any(kids(0, factor));
    case Op::kSynonym: {
      auto nodes = kids(0, 1.0);
      if (nodes.empty()) return nullptr;
      return std::make_unique<SynonymNode>(any(std::move(nodes)), wdf_bound(seg, q), factor);
    }
    case Op::kAnd:
    case Op::kPhrase: {
      auto nodes = kids(0, factor);
      if (nodes.empty() || nodes.size() < q.subs.size()) return nullptr;  // one matches nothing
      if (nodes.size() == 1) return std::move(nodes[0]);
      bool terms = std::all_of(q.subs.begin(), q.subs.end(),
                               [](const Query& s) { return s.op == Op::kTerm; });
      if (q.op == Op::kPhrase && terms) return PhraseNode::make(std::move(nodes), q.window);
      return std::make_unique<AndNode>(std::move(nodes));
    }
    case Op::kAndNot: {
      if (q.subs.empty()) return nullptr;
      auto first = build(seg, q.subs[0], factor);
      if (!first) return nullptr;
      auto except = any(kids(1, 0.0));
      if (!except) return first;
      return std::make_unique<AndNotNode>(std::move(first), std::move(except));
    }
    case Op::kAndMaybe: {
      if (q.subs.empty()) return nullptr;
      auto first = build(seg, q.subs[0], factor);
      if (!first) return nullptr;
      auto maybe = kids(1, factor);
      if (maybe.empty()) return first;
      return std::make_unique<AndMaybeNode>(std::move(first), std::move(maybe));
    }
  }
  return nullptr;
}

// The posting list of `q` in part `p`, with the filter's documents alone; null for none.
NodePtr part_root(const Snapshot& s, std::size_t p, const Query& q,
                  std::span<const Bits* const> filter) {
  if (s.parts[p].live == 0) return nullptr;
  auto root = build(*s.parts[p].segment, q, 1.0);
  if (!root || filter.empty()) return root;
  if (filter[p] == nullptr) return nullptr;
  std::vector<NodePtr> both;
  both.push_back(std::move(root));
  both.push_back(std::make_unique<BitsNode>(*filter[p]));
  return std::make_unique<AndNode>(std::move(both));
}

// fn(doc, node) for each live match of `root` in part `p` from `begin` to before `end`, in docid
// order, while it returns true; false when it stopped.
template <typename Fn>
bool scan(const Part& part, Node* root, Fn&& fn, DocId begin = 0, DocId end = kEnd) {
  if (root == nullptr) return true;
  const Bits& deleted = *part.deleted;
  if (begin > 0) root->skip_to(begin);
  for (; !root->at_end() && root->doc() < end; root->next()) {
    if (!test(deleted, root->doc()) && !fn(root->doc(), *root)) return false;
  }
  return true;
}

// A run of documents in index order: part `part`, docids begin .. end - 1.
struct Range {
  std::size_t part;
  DocId begin, end;
};

// The snapshot's documents cut into `n` runs of about as many documents each, in index order
// (each a list of ranges, as a run may span parts).
std::vector<std::vector<Range>> cut(const Snapshot& s, std::size_t n) {
  std::uint64_t all = 0;
  for (const auto& part : s.parts)
    all += part.segment->documents();
  std::vector<std::vector<Range>> runs(n);
  std::uint64_t at = 0;  // documents before the current part
  for (std::size_t p = 0; p < s.parts.size(); ++p) {
    DocId docs = s.parts[p].segment->documents();
    for (std::size_t r = 0; r < n; ++r) {
      std::uint64_t from = all * r / n, to = all * (r + 1) / n;  // run r's share of the order
      std::uint64_t b = std::max(from, at), e = std::min(to, at + docs);
      if (b < e) runs[r].push_back({p, static_cast<DocId>(b - at), static_cast<DocId>(e - at)});
    }
    at += docs;
  }
  return runs;
}

// How many runs a weighed match of `s` is cut into: one per thread of `pool` and the caller,
// when the index has `cut_from` documents or more.
std::size_t runs_for(const Snapshot& s, core::ForkJoin* pool, std::uint64_t cut_from) {
  std::uint64_t all = 0;
  for (const auto& part : s.parts)
    all += part.segment->documents();
  return pool != nullptr && all >= cut_from ? pool->threads() + 1 : 1;
}

// Runs run(i, ranges) for each of the runs, on the pool when there are several.
void each_run(core::ForkJoin* pool, const std::vector<std::vector<Range>>& runs,
              const std::function<void(std::size_t, const std::vector<Range>&)>& run) {
  if (runs.size() == 1) return run(0, runs[0]);
  pool->run(runs.size(), [&](std::size_t i) { run(i, runs[i]); });
}

}  // namespace

Page match(const Snapshot& s, const Query& q, std::size_t first, std::size_t size,
           std::uint64_t check, std::span<const Bits* const> filter, core::ForkJoin* pool,
           std::uint64_t cut_from) {
  std::vector<NodePtr> roots;
  bool weightless = true;
  for (std::size_t p = 0; p < s.parts.size(); ++p) {
    roots.push_back(part_root(s, p, q, filter));
    if (roots.back() && roots.back()->max_weight() > 0) weightless = false;
  }
  Page page;
  std::size_t keep = first + size;
  if (weightless) {
    // Index order: the first `keep`, and the count up to `check` (and one more, which says
    // there are more).
    std::uint64_t enough = std::max<std::uint64_t>(keep, check), read = 0;
    for (std::size_t p = 0; p < s.parts.size(); ++p) {
      bool whole = scan(s.parts[p], roots[p].get(), [&](DocId doc, Node&) {
        if (page.matches.size() < keep) page.matches.push_back({p, doc, 0});
        return ++page.found <= enough;
      });
      if (!whole) {  // stopped in part p: estimate from the share of documents read
        read += roots[p]->doc() + 1;
        std::uint64_t all = 0;
        for (const auto& part : s.parts)
          all += part.segment->documents();
        page.estimated = read < all;
        if (page.estimated) {
          page.found = std::max(
              page.found, static_cast<std::uint64_t>(static_cast<double>(page.found) * all / read));
        }
        break;
      }
      read += s.parts[p].segment->documents();
    }
  } else {
    // Each run keeps its best `keep`, the worst on top (weight, then index order); the page is
    // the best of them all.
    auto better = [](const Match& a, const Match& b) {
      if (a.weight != b.weight) return a.weight > b.weight;
      return a.part != b.part ? a.part < b.part : a.doc < b.doc;
    };
    auto runs = cut(s, runs_for(s, pool, cut_from));
    std::vector<std::vector<Match>> bests(runs.size());
    std::vector<std::uint64_t> counts(runs.size(), 0);
    each_run(pool, runs, [&](std::size_t i, const std::vector<Range>& ranges) {
      std::priority_queue<Match, std::vector<Match>, decltype(better)> best(better);
      for (const auto& range : ranges) {
        auto root =
            runs.size() == 1 ? std::move(roots[range.part]) : part_root(s, range.part, q, filter);
        auto each = [&](DocId doc, Node& node) {
          ++counts[i];
          if (keep == 0) return true;
          Match m{range.part, doc, node.weight()};
          if (best.size() < keep) {
            best.push(m);
          } else if (better(m, best.top())) {
            best.pop();
            best.push(m);
          }
          return true;
        };
        scan(s.parts[range.part], root.get(), each, range.begin, range.end);
      }
      for (; !best.empty(); best.pop())
        bests[i].push_back(best.top());
    });
    for (std::size_t i = 0; i < runs.size(); ++i) {
      page.found += counts[i];
      page.matches.insert(page.matches.end(), bests[i].begin(), bests[i].end());
    }
    std::sort(page.matches.begin(), page.matches.end(), better);
    if (page.matches.size() > keep) page.matches.resize(keep);
  }
  page.matches.erase(
      page.matches.begin(),
      page.matches.begin() + static_cast<std::ptrdiff_t>(std::min(first, page.matches.size())));
  return page;
}

void for_each_match(const Snapshot& s, const Query& q, const std::function<bool(const Match&)>& fn,
                    std::span<const Bits* const> filter) {
  for (std::size_t p = 0; p < s.parts.size(); ++p) {
    auto root = part_root(s, p, q, filter);
    auto each = [&](DocId doc, Node& node) { return fn({p, doc, node.weight()}); };
    if (!scan(s.parts[p], root.get(), each)) return;
  }
}

std::vector<Match> every_match(const Snapshot& s, const Query& q,
                               std::span<const Bits* const> filter, core::ForkJoin* pool,
                               std::uint64_t cut_from) {
  auto runs = cut(s, runs_for(s, pool, cut_from));
  std::vector<std::vector<Match>> found(runs.size());
  each_run(pool, runs, [&](std::size_t i, const std::vector<Range>& ranges) {
    for (const auto& range : ranges) {
      auto root = part_root(s, range.part, q, filter);
      auto each = [&](DocId doc, Node& node) {
        found[i].push_back({range.part, doc, node.weight()});
        return true;
      };
      scan(s.parts[range.part], root.get(), each, range.begin, range.end);
    }
  });
  std::vector<Match> out = std::move(found[0]);
  for (std::size_t i = 1; i < found.size(); ++i)
    out.insert(out.end(), found[i].begin(), found[i].end());
  return out;
}

}  // namespace tandem::search::native
