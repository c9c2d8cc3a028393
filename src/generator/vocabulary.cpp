// The generator's word lists: four categories with their own brands, products, features and
// price ranges. Brands are invented.
#include "generator/vocabulary.h"

#include <array>

namespace tandem::generator {
namespace {

using SV = std::string_view;

constexpr std::array<SV, 8> kElectronicsBrands = {"Voltix", "Nimbus", "Acme",  "Kestrel",
                                                  "Lumora", "Quanta", "Orbit", "Zephyr"};
constexpr std::array<SV, 12> kElectronicsNouns = {"Headphones",
                                                  "USB-C Cable",
                                                  "Bluetooth Speaker",
                                                  "Power Bank",
                                                  "Smartwatch",
                                                  "Webcam",
                                                  "Mechanical Keyboard",
                                                  "Wireless Mouse",
                                                  "Monitor",
                                                  "Earbuds",
                                                  "Charger",
                                                  "SSD"};
constexpr std::array<SV, 10> kElectronicsAdjectives = {
    "Wireless",   "Portable",      "Compact",    "Noise-Cancelling",
    "Ultra-Slim", "Fast-Charging", "Waterproof", "Ergonomic",
    "4K",         "Smart"};
constexpr std::array<SV, 10> kElectronicsFeatures = {
    "a 30-hour battery", "active noise cancellation", "USB-C fast charging", "Bluetooth 5.3",
    "a braided cable",   "low-latency audio",         "an aluminium body",   "a backlit display",
    "quick pairing",     "a two-year warranty"};
constexpr std::array<SV, 6> kElectronicsUses = {"for the daily commute", "for home offices",
                                                "for gaming sessions",   "for travel",
                                                "for video calls",       "for streaming"};
constexpr std::array<SV, 10> kElectronicsTags = {"wireless", "usb-c",     "bluetooth", "audio",
                                                 "gaming",   "portable",  "charging",  "office",
                                                 "travel",   "smart-home"};

constexpr std::array<SV, 8> kBookBrands = {"Penrose Press", "Harbor Books", "Quill & Ink",
                                           "Northwind",     "Bluefield",    "Atlas House",
                                           "Meridian",      "Lantern"};
constexpr std::array<SV, 10> kBookNouns = {
    "Novel", "Cookbook",          "Field Guide",          "Biography", "Thriller",
    "Atlas", "Poetry Collection", "Programming Handbook", "History",   "Travel Guide"};
constexpr std::array<SV, 8> kBookAdjectives = {"Illustrated",   "Collected", "Complete",
                                               "Pocket",        "Annotated", "Bestselling",
                                               "Award-Winning", "Revised"};
constexpr std::array<SV, 8> kBookFeatures = {"full-colour photographs",  "an index of recipes",
                                             "maps of every region",     "a foreword by the author",
                                             "exercises with solutions", "a hardcover binding",
                                             "over 400 pages",           "notes on sources"};
constexpr std::array<SV, 6> kBookUses = {"for curious readers", "for students",
                                         "for long evenings",   "for beginners",
                                         "for book clubs",      "as a gift"};
constexpr std::array<SV, 10> kBookTags = {"fiction",   "non-fiction", "cooking", "history",
                                          "travel",    "programming", "poetry",  "hardcover",
                                          "paperback", "bestseller"};

constexpr std::array<SV, 8> kClothingBrands = {"Northpeak", "Urbana",   "Tidewear", "Loom & Co",
                                               "Ridgeline", "Solstice", "Fennel",   "Marlow"};
constexpr std::array<SV, 10> kClothingNouns = {"Jacket",         "T-Shirt",  "Jeans",   "Hoodie",
                                               "Sneakers",       "Raincoat", "Sweater", "Scarf",
                                               "Running Shorts", "Boots"};
constexpr std::array<SV, 8> kClothingAdjectives = {"Organic Cotton", "Slim-Fit",    "Waterproof",
                                                   "Merino",         "Lightweight", "Insulated",
                                                   "Relaxed-Fit",    "Recycled"};
constexpr std::array<SV, 8> kClothingFeatures = {
    "breathable fabric", "reinforced seams",      "a water-repellent finish",
    "deep pockets",      "a soft brushed lining", "reflective details",
    "stretch denim",     "a packable hood"};
constexpr std::array<SV, 6> kClothingUses = {"for rainy days",    "for the gym",
                                             "for hiking",        "for everyday wear",
                                             "for cold mornings", "for weekends"};
constexpr std::array<SV, 10> kClothingTags = {"cotton", "outdoor", "running",    "winter",
                                              "summer", "casual",  "waterproof", "sustainable",
                                              "denim",  "wool"};

constexpr std::array<SV, 8> kHomeBrands = {"Hearth",     "Casa Verde", "Oakline",  "Brightnest",
                                           "Stillwater", "Copperleaf", "Nordhaus", "Willow"};
constexpr std::array<SV, 10> kHomeNouns = {
    "Coffee Maker", "Desk Lamp",       "Cookware Set", "Throw Blanket", "Air Purifier",
    "Knife Block",  "Storage Baskets", "Bedding Set",  "Kettle",        "Plant Pot"};
constexpr std::array<SV, 8> kHomeAdjectives = {"Stainless Steel", "Ceramic",   "Dimmable",
                                               "Non-Stick",       "Handwoven", "Energy-Saving",
                                               "Minimalist",      "Bamboo"};
constexpr std::array<SV, 8> kHomeFeatures = {
    "a programmable timer",    "a dishwasher-safe finish", "warm LED light", "a HEPA filter",
    "an induction-ready base", "machine-washable fabric",  "a quiet motor",  "a soft-touch handle"};
constexpr std::array<SV, 6> kHomeUses = {"for small kitchens", "for the living room",
                                         "for the bedroom",    "for busy mornings",
                                         "for entertaining",   "for reading corners"};
constexpr std::array<SV, 10> kHomeTags = {"kitchen", "lighting", "decor",  "bedroom",  "eco",
                                          "storage", "cookware", "coffee", "cleaning", "garden"};

constexpr std::array<Category, 4> kCategories = {{
    {"electronics", kElectronicsBrands, kElectronicsNouns, kElectronicsAdjectives,
     kElectronicsFeatures, kElectronicsUses, kElectronicsTags, 999, 199999},
    {"books", kBookBrands, kBookNouns, kBookAdjectives, kBookFeatures, kBookUses, kBookTags, 499,
     5999},
    {"clothing", kClothingBrands, kClothingNouns, kClothingAdjectives, kClothingFeatures,
     kClothingUses, kClothingTags, 999, 29999},
    {"home", kHomeBrands, kHomeNouns, kHomeAdjectives, kHomeFeatures, kHomeUses, kHomeTags, 799,
     49999},
}};

}  // namespace

std::span<const Category> categories() {
  return kCategories;
}

}  // namespace tandem::generator
