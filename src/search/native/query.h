// Query: a tree of the operators the query compiler builds, with the meaning Xapian gives them,
// so that one compiled query runs on either backend (xapian_backend::to_xapian() converts).
// Weights: a term weighs BM25's saturation of its wdf, 2f / (1 + f) with f = wdf / kWdfUnits,
// times the product of the scale factors above it; a product of kFlatWeight or more weighs the
// product itself, whatever the wdf (a ranking rule's tier, see compile.cpp). Standard library
// only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tandem::search::native {

inline constexpr double kWdfUnits = 32;        // see layout.h's occurrence_wdf()
inline constexpr double kFlatWeight = 0x1p12;  // factors from here on are tiers, not idfs

struct Query {
  enum class Op {
    kNothing,   // matches nothing (Xapian's Query())
    kAll,       // every document, weight 0 (Query(""))
    kTerm,      // the documents with `term`
    kAnd,       // all subqueries; weights add
    kOr,        // any; the weights of those matching add
    kAndNot,    // the first, but not where any other matches; the first's weight
    kAndMaybe,  // the first; the others' weights add where they match
    kSynonym,   // any, weighed as one term whose wdf is the sum of theirs
    kPhrase,    // terms in order within `window` positions (adjacent when window = terms)
    kScale,     // the one subquery, its weights times `factor`
  };
  Op op = Op::kNothing;
  std::string term;          // kTerm
  std::vector<Query> subs;   // the others
  double factor = 1;         // kScale
  std::uint32_t window = 0;  // kPhrase

  Query() = default;
  explicit Query(std::string t) : op(t.empty() ? Op::kAll : Op::kTerm), term(std::move(t)) {}
  Query(Op o, std::vector<Query> s, std::uint32_t w = 0) : op(o), subs(std::move(s)), window(w) {}
  static Query scaled(Query q, double f) {
    Query out(Op::kScale, {std::move(q)});
    out.factor = f;
    return out;
  }
  bool empty() const { return op == Op::kNothing; }
  // Every term in the tree, depth first (with repeats).
  void terms(std::vector<std::string>& out) const {
    if (op == Op::kTerm) out.push_back(term);
    for (const auto& s : subs)
      s.terms(out);
  }
};

}  // namespace tandem::search::native
