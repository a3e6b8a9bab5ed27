// The ring of event buckets.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "core/calendar.hpp"

namespace marrow {
namespace {

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
  EXPECT_EQ(c.bucket(12), (std::vector<uint32_t>{7, 3}));
  EXPECT_EQ(&c.bucket(4), &c.bucket(20));
  EXPECT_EQ(c.bucket(13), (std::vector<uint32_t>{9}));
  EXPECT_TRUE(c.bucket(6).empty());
}

TEST(Calendar, NeverIsNotEntered) {
  Calendar c(4);
  c.push(kNever, 1);
  for (int64_t s = 0; s < 4; ++s) EXPECT_TRUE(c.bucket(s).empty());
}

TEST(Calendar, ClearEmptiesEveryBucket) {
  Calendar c(4);
  for (int64_t s = 0; s < 12; ++s) c.push(s, static_cast<uint32_t>(s));
  EXPECT_EQ(c.bucket(1).size(), 3u);
  c.clear();
  EXPECT_EQ(c.window(), 4);
  for (int64_t s = 0; s < 4; ++s) EXPECT_TRUE(c.bucket(s).empty());
  // Resizing drops the entries too.
  c.push(1, 1);
  c.resize(8);
  for (int64_t s = 0; s < 8; ++s) EXPECT_TRUE(c.bucket(s).empty());
}

}  // namespace
}  // namespace marrow
