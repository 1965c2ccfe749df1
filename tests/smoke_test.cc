#include <gtest/gtest.h>
extern "C" {
#include "workloads/workload.h"
}
TEST(Registry, FindsComputeWorkload) { ASSERT_NE(workload_find("compute"), nullptr); EXPECT_EQ(workload_find("nope"), nullptr); }
