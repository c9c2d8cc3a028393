// Per-category vocabularies for the generator. Private to the generator module.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace tandem::generator {

struct Category {
  std::string_view name;                     // "electronics"
  std::span<const std::string_view> brands;  // "Voltix", ...
  std::span<const std::string_view> nouns;   // "Headphones", ...
  std::span<const std::string_view> adjectives;
  std::span<const std::string_view> features;  // phrases for descriptions
  std::span<const std::string_view> uses;      // "for the daily commute"
  std::span<const std::string_view> tags;
  std::int64_t min_cents;  // price range
  std::int64_t max_cents;
};

std::span<const Category> categories();

}  // namespace tandem::generator
