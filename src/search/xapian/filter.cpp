// Filter compilation: keyword and bool equality as boolean terms, numbers and timestamps as
// value ranges. Depends on query, schema, Xapian.
#include <cmath>
#include <limits>

#include "search/request_checks.h"
#include "search/xapian/compile.h"
#include "search/xapian/layout.h"

namespace tandem::search::xapian_backend {
namespace {

using core::fail;
using query::CompareOp;
using schema::FieldType;

struct Field {
  const schema::FieldSpec* spec;
  std::size_t index;
};

core::Result<Field> lookup(const schema::Collection& c, const std::string& name, std::size_t pos) {
  auto i = filter_field(c, name, pos);
  if (!i) return fail(i.error());
  return Field{&c.fields[*i], *i};
}

// The literal as the slot stores it: sortable numbers for numbers, bools and timestamps.
core::Result<double> number(const Field& f, const query::Literal& v) {
  return literal_number(f.spec->type, f.spec->name, v);
}

core::Result<Xapian::Query> equals(const Field& f, const query::Literal& v) {
  std::string prefix = keyword_prefix(f.index);
  switch (f.spec->type) {
    case FieldType::kKeyword:
    case FieldType::kKeywordArray: return Xapian::Query(keyword_term(prefix, v.text));
    case FieldType::kBool:
      if (auto n = number(f, v); !n) return fail(n.error());
      return Xapian::Query(prefix + v.text);
    default: {
      auto n = number(f, v);
      if (!n) return fail(n.error());
      std::string s = Xapian::sortable_serialise(*n);
      return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot_of(f.index), s, s);
    }
  }
}

// The serialised bound of a literal for ordered comparisons on numbers or keywords.
core::Result<std::string> bound(const Field& f, const query::Literal& v, std::size_t op_pos) {
  if (auto st = check_comparable(*f.spec, op_pos); !st.is_ok()) return fail(st);
  if (f.spec->type == FieldType::kKeyword) return v.text;
  auto n = number(f, v);
  if (!n) return fail(n.error());
  return Xapian::sortable_serialise(*n);
}

Xapian::Query negate(Xapian::Query q) {
  return Xapian::Query(Xapian::Query::OP_AND_NOT, match_all(), q);
}

core::Result<Xapian::Query> comparison(const query::Comparison& c, const schema::Collection& coll) {
  auto f = lookup(coll, c.field, c.position);
  if (!f) return fail(f.error());
  if (c.op == CompareOp::kEq || c.op == CompareOp::kNe) {
    auto q = equals(*f, c.value);
    if (!q) return q;
    return c.op == CompareOp::kEq ? *q : negate(*q);
  }
  auto b = bound(*f, c.value, c.position);
  if (!b) return fail(b.error());
  Xapian::valueno slot = slot_of(f->index);
  std::string edge = *b;
  if (c.op == CompareOp::kLt || c.op == CompareOp::kGt) {  // strict: exclude the bound itself
    Xapian::Query at_bound(Xapian::Query::OP_VALUE_RANGE, slot, edge, edge);
    Xapian::Query side = c.op == CompareOp::kLt
                             ? Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, edge)
                             : Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, edge);
    return Xapian::Query(Xapian::Query::OP_AND_NOT, side, at_bound);
  }
  return c.op == CompareOp::kLe ? Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, edge)
                                : Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, edge);
}

core::Result<Xapian::Query> in_list(const query::InList& l, const schema::Collection& coll) {
  auto f = lookup(coll, l.field, l.position);
  if (!f) return fail(f.error());
  std::vector<Xapian::Query> any;
  for (const auto& v : l.values) {
    auto q = equals(*f, v);
    if (!q) return q;
    any.push_back(*q);
  }
  return Xapian::Query(Xapian::Query::OP_OR, any.begin(), any.end());
}

core::Result<Xapian::Query> range(const query::Range& r, const schema::Collection& coll) {
  auto f = lookup(coll, r.field, r.position);
  if (!f) return fail(f.error());
  auto lo = bound(*f, r.low, r.position);
  if (!lo) return fail(lo.error());
  auto hi = bound(*f, r.high, r.position);
  if (!hi) return fail(hi.error());
  return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot_of(f->index), *lo, *hi);
}

}  // namespace

core::Result<Xapian::Query> compile_filter(const query::Filter& filter,
                                           const schema::Collection& c) {
  return std::visit(
      [&](const auto& node) -> core::Result<Xapian::Query> {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, query::Comparison>) {
          return comparison(node, c);
        } else if constexpr (std::is_same_v<T, query::InList>) {
          return in_list(node, c);
        } else if constexpr (std::is_same_v<T, query::Range>) {
          return range(node, c);
        } else if constexpr (std::is_same_v<T, query::Not>) {
          auto inner = compile_filter(*node.operand, c);
          if (!inner) return inner;
          return negate(*inner);
        } else {
          std::vector<Xapian::Query> parts;
          for (const auto& operand : node.operands) {
            auto q = compile_filter(operand, c);
            if (!q) return q;
            parts.push_back(*q);
          }
          auto op = std::is_same_v<T, query::And> ? Xapian::Query::OP_AND : Xapian::Query::OP_OR;
          return Xapian::Query(op, parts.begin(), parts.end());
        }
      },
      filter.node);
}

}  // namespace tandem::search::xapian_backend
