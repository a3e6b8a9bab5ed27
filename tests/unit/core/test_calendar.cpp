// The ring of event buckets.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "core/calendar.hpp"

namespace marrow {
namespace {

std::vector<uint32_t> take(Calendar& c, int64_t step) {
  std::vector<uint32_t> slots;
  c.take(step, [&](uint32_t s) { slots.push_back(s); });
  return slots;
}

TEST(Calendar, WindowMustBeAPowerOfTwo) {
  for (int w : {1, 2, 8, 256, 1 << 20}) {
    Calendar c(w);
    EXPECT_EQ(c.window(), w);
  }
  for (int w : {0, -4, 3, 6, 100, 255}) EXPECT_THROW(Calendar{w}, std::invalid_argument) << w;
  Calendar c(8);
  EXPECT_THROW(c.resize(12), std::invalid_argument);
  c.resize(16);
  EXPECT_EQ(c.window(), 16);
  EXPECT_EQ(Calendar().window(), 256);
}

TEST(Calendar, StepsShareABucketModuloTheWindow) {
  Calendar c(8);
  EXPECT_TRUE(c.same_bucket(4, 12));
  EXPECT_TRUE(c.same_bucket(4, 20));
  EXPECT_TRUE(c.same_bucket(0, 8 * 1000));
  EXPECT_FALSE(c.same_bucket(4, 5));
  EXPECT_FALSE(c.same_bucket(4, 11));
  c.push(20, 7);
  c.push(4, 3);
  c.push(5, 9);
  EXPECT_EQ(c.entries(12), 2u);
  EXPECT_EQ(c.entries(4), c.entries(20));
  EXPECT_EQ(take(c, 12), (std::vector<uint32_t>{3, 7}));  // in increasing order
  EXPECT_EQ(c.entries(12), 0u);
  EXPECT_TRUE(take(c, 4).empty());  // the same bucket, taken
  EXPECT_EQ(take(c, 13), (std::vector<uint32_t>{9}));
  EXPECT_TRUE(take(c, 6).empty());
}

TEST(Calendar, ASlotEnteredTwiceIsTakenOnce) {
  Calendar c(8);
  for (int k = 0; k < 3; ++k) c.push(2, 70);
  c.push(10, 70);  // the same bucket, a lap later
  c.push(2, 5);
  EXPECT_EQ(c.entries(2), 5u);  // an upper bound
  EXPECT_EQ(take(c, 2), (std::vector<uint32_t>{5, 70}));
}

TEST(Calendar, SlotsBeyondTheFirstWordsKeepTheOthers) {
  Calendar c(4);
  std::vector<uint32_t> want;
  for (uint32_t s = 1; s < 5000; s += 37) {  // the buckets grow while holding entries
    c.push(s % 4, s);
    if (s % 4 == 1) want.push_back(s);
  }
  EXPECT_EQ(take(c, 1), want);
}

TEST(Calendar, AnEntryMadeDuringItsBucketsTakeStaysForTheNextLap) {
  Calendar c(4);
  c.push(1, 3);
  c.push(1, 200);
  std::vector<uint32_t> seen;
  c.take(1, [&](uint32_t s) {
    seen.push_back(s);
    c.push(5, s);  // due a lap later
  });
  EXPECT_EQ(seen, (std::vector<uint32_t>{3, 200}));
  EXPECT_EQ(c.entries(5), 2u);
  EXPECT_EQ(take(c, 5), (std::vector<uint32_t>{3, 200}));
}

TEST(Calendar, NeverIsNotEntered) {
  Calendar c(4);
  c.push(kNever, 1);
  for (int64_t s = 0; s < 4; ++s) EXPECT_TRUE(take(c, s).empty());
}

TEST(Calendar, ClearEmptiesEveryBucket) {
  Calendar c(4);
  for (int64_t s = 0; s < 12; ++s) c.push(s, static_cast<uint32_t>(s));
  EXPECT_EQ(c.entries(1), 3u);
  c.clear();
  EXPECT_EQ(c.window(), 4);
  for (int64_t s = 0; s < 4; ++s) {
    EXPECT_EQ(c.entries(s), 0u);
    EXPECT_TRUE(take(c, s).empty());
  }
  // Resizing drops the entries too.
  c.push(1, 1);
  c.resize(8);
  for (int64_t s = 0; s < 8; ++s) EXPECT_TRUE(take(c, s).empty());
}

}  // namespace
}  // namespace marrow
