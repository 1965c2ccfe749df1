// protocol_keys_test.cc — keys that do nothing under the chosen protocol
// are refused once, after every override (issue 20 item 7,
// docs/scenario.md "Keys that depend on the protocol"); the fault-injection
// table and the family descriptors agree with the schema.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "model/apf/family.h"
#include "model/apf/protocol.h"
#include "model/config/config.h"
#include "model/config/inject.h"
}

namespace {

const char *kScenario = R"(seed: 1
protocol: arm64-v4
vm: {vcpus: 1, memory: 64MiB, kernel_reserved: 16MiB}
faults:
  sdei_refuse: 0.25
tasks:
  - {name: c, workload: compute, iteration: 1000}
)";

struct Cfg {
	apf_config c;
	cfg_error err;
	Cfg(const char *yaml = kScenario) { EXPECT_EQ(config_load_string(&c, yaml, "s.yaml", &err), 0) << err.msg; }
	~Cfg() { config_free(&c); }
	int set(const char *kv) { return config_set(&c, kv, &err); }
	int check() { return config_check_protocol_keys(&c, &err); }
};

} // namespace

TEST(ProtocolKeys, SdeiRefuseUnderX86IsRefusedAtItsScenarioLine)
{
	Cfg a;
	EXPECT_EQ(a.check(), 0) << "arm64-v4 injects through SDEI";
	ASSERT_EQ(a.set("protocol=x86-int-ack"), 0) << "the override alone is not judged";
	ASSERT_EQ(a.check(), -1);
	EXPECT_STREQ(a.err.file, "s.yaml");
	EXPECT_EQ(a.err.line, 5u);
	EXPECT_EQ(a.err.col, 16u);
	EXPECT_NE(std::string(a.err.msg).find("faults.sdei_refuse"), std::string::npos) << a.err.msg;
	EXPECT_NE(std::string(a.err.msg).find("protocol x86-int-ack"), std::string::npos) << a.err.msg;
}

TEST(ProtocolKeys, OrderOfSetAndProtocolDoesNotMatter)
{
	const char *plain = "seed: 1\nprotocol: x86-int-ack\nvm: {vcpus: 1, memory: 64MiB, kernel_reserved: 16MiB}\n"
			    "tasks:\n  - {name: c, workload: compute, iteration: 1000}\n";
	for (bool protocol_first : { true, false }) {
		Cfg a(plain);
		if (protocol_first) {
			ASSERT_EQ(a.set("protocol=arm64-v4"), 0);
		}
		ASSERT_EQ(a.set("faults.sdei_refuse=0.5"), 0);
		if (!protocol_first) {
			ASSERT_EQ(a.set("protocol=arm64-v4"), 0);
		}
		EXPECT_EQ(a.check(), 0) << protocol_first << ": " << a.err.msg;
		ASSERT_EQ(a.set("protocol=x86-legacy"), 0);
		ASSERT_EQ(a.check(), -1);
		EXPECT_STREQ(a.err.file, "--set faults.sdei_refuse");
	}
}

TEST(ProtocolKeys, DriverVariantNeedsTheArm64Driver)
{
	Cfg a;
	ASSERT_EQ(a.set("guest.driver_variant=no_irq_ack"), 0);
	EXPECT_EQ(a.check(), 0) << a.err.msg;
	ASSERT_EQ(a.set("protocol=sync"), 0);
	ASSERT_EQ(a.check(), -1);
	// faults.sdei_refuse comes first in the scenario; both are moot.
	EXPECT_NE(std::string(a.err.msg).find("under protocol sync"), std::string::npos) << a.err.msg;
	ASSERT_EQ(a.set("faults.sdei_refuse=0"), 0);
	ASSERT_EQ(a.check(), -1);
	EXPECT_NE(std::string(a.err.msg).find("guest.driver_variant"), std::string::npos) << a.err.msg;
}

TEST(ProtocolKeys, DefaultsAndOffValuesNeverTriggerIt)
{
	Cfg a;
	ASSERT_EQ(a.set("faults.sdei_refuse=0"), 0);
	ASSERT_EQ(a.set("guest.driver_variant=faithful"), 0);
	ASSERT_EQ(a.set("faults.host_flush_at=0s"), 0);
	// An injection's shaping key without its trigger asks for nothing.
	ASSERT_EQ(a.set("faults.apf_toggle_len=20ms"), 0);
	for (const char *p : { "sync", "arm64-v4", "x86-int-ack", "x86-int-noack", "x86-legacy" }) {
		ASSERT_EQ(a.set((std::string("protocol=") + p).c_str()), 0);
		EXPECT_EQ(a.check(), 0) << p << ": " << a.err.msg;
	}
	apf_config d;
	config_defaults(&d);
	cfg_error e;
	EXPECT_EQ(config_check_protocol_keys(&d, &e), 0);
}

TEST(ProtocolKeys, CompareRefusesOnlyKeysMootUnderEveryProtocol)
{
	Cfg a, b;
	ASSERT_EQ(b.set("protocol=x86-int-ack"), 0);
	apf_config two[2] = { a.c, b.c };
	EXPECT_EQ(config_check_protocol_keys_all(two, 2, &a.err), 0) << "arm64-v4 uses it";
	Cfg c, d;
	ASSERT_EQ(c.set("protocol=sync"), 0);
	ASSERT_EQ(d.set("protocol=x86-legacy"), 0);
	apf_config moot[2] = { c.c, d.c };
	ASSERT_EQ(config_check_protocol_keys_all(moot, 2, &a.err), -1);
	EXPECT_NE(std::string(a.err.msg).find("protocols sync, x86-legacy"), std::string::npos) << a.err.msg;
}

// Every key of the injection table is a key of the `faults` schema, and
// every `faults` key belongs to one injection.
TEST(InjectTable, AgreesWithTheFaultsSchema)
{
	const cfg_section *s = cfg_section_find("faults");
	ASSERT_NE(s, nullptr);
	for (const param_desc *d = s->params; d->key; d++) {
		int rows = 0;
		for (const inject_desc *r = inject_table; r->name; r++)
			for (const char *const *k = r->keys; *k; k++)
				rows += std::string(*k) == d->key;
		EXPECT_EQ(rows, 1) << "faults." << d->key;
	}
	for (const inject_desc *r = inject_table; r->name; r++) {
		EXPECT_GE(r->ntriggers, 1u) << r->name;
		for (const char *const *k = r->keys; *k; k++) {
			bool found = false;
			for (const param_desc *d = s->params; d->key; d++)
				found |= std::string(*k) == d->key;
			EXPECT_TRUE(found) << "faults." << *k;
		}
	}
	for (int k = 1; k < FAULT__COUNT; k++)
		EXPECT_STRNE(fault_kind_name((fault_kind)k), "?") << k;
}

TEST(ProtocolFamily, EveryPresetHasTheFamilyOfItsNotPresentTransport)
{
	apf_config c;
	config_defaults(&c);
	snprintf(c.protocol, sizeof(c.protocol), "sync");
	EXPECT_EQ(apf_family_for(&c), &apf_family_sync);
	EXPECT_EQ(protocol_for(&c), &protocol_sync);
	for (const apf_preset *p = apf_presets; p->name; p++) {
		snprintf(c.protocol, sizeof(c.protocol), "%s", p->name);
		c.sw = p->sw;
		const apf_family *f = apf_family_for(&c);
		EXPECT_EQ(f, p->sw.notpresent == APF_NP_SDEI ? &apf_family_arm64 : &apf_family_x86) << p->name;
		EXPECT_EQ(protocol_for(&c), f->ops) << p->name;
		EXPECT_EQ((f->caps & APF_CAP_SDEI) != 0, p->sw.notpresent == APF_NP_SDEI) << p->name;
	}
}
