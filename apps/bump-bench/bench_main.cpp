// SPDX-License-Identifier: MIT
//
// bench_main.cpp - registers the C workloads (bench_shim.h) with Google
// Benchmark and times them.  Nothing here allocates a buffer: every workload
// is C, this file only names, loops, times and counts.
//
// A benchmark is named <workload>/<impl>/<arg>:<value>..., for instance
// "outstanding/bump/bulk:32/n:65536"; bench_report.py reads these names.
// Each iteration is one run() of BENCH_BUFS_PER_RUN buffers; the counters
// say ns_per_buf and bufs_per_s (and items_per_second, the same rate).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench_shim.h"
#include "bump_common.h"

namespace {

// One workload: how to spell its arguments, and which to run.
struct Workload {
	const char *name;
	std::vector<bench_args> full;
	std::vector<bench_args> quick;
	std::string (*label)(const bench_args &);
};

std::string BulkLabel(const bench_args &a)
{
	return "bulk:" + std::to_string(a.bulk);
}

std::string OutstandingLabel(const bench_args &a)
{
	return "bulk:" + std::to_string(a.bulk) + "/n:" + std::to_string(a.outstanding);
}

std::string FragLabel(const bench_args &a)
{
	return "size:" + std::to_string(a.size) + "/bulk:" + std::to_string(a.bulk);
}

std::string RxLabel(const bench_args &a)
{
	return "ring:" + std::to_string(a.outstanding) + "/burst:" + std::to_string(a.bulk);
}

bench_args Args(unsigned bulk, unsigned outstanding = 0, unsigned size = 0)
{
	bench_args a;

	a.bulk = bulk;
	a.outstanding = outstanding;
	a.size = size;
	return a;
}

std::vector<Workload> Workloads()
{
	return {
		{ BENCH_W_OWNER, { Args(1), Args(8), Args(32), Args(64) }, { Args(1), Args(32) },
		  BulkLabel },
		{ BENCH_W_OUTSTANDING,
		  { Args(1, 128), Args(1, 8192), Args(1, 65536), Args(32, 128), Args(32, 8192),
		    Args(32, 65536) },
		  { Args(32, 128), Args(32, 65536) }, OutstandingLabel },
		{ BENCH_W_FRAG,
		  { Args(1, 0, 256), Args(32, 0, 256), Args(1, 0, 1500), Args(32, 0, 1500) },
		  { Args(1, 0, 256), Args(32, 0, 1500) }, FragLabel },
		{ BENCH_W_XTHREAD, { Args(1), Args(32) }, { Args(1), Args(32) }, BulkLabel },
		{ BENCH_W_RX, { Args(32, 512), Args(32, 1024) }, { Args(32, 512) }, RxLabel },
		{ BENCH_W_ORDER2, { Args(1), Args(32) }, { Args(32) }, BulkLabel },
	};
}

const bench_impl *const kTables[] = {
	bench_bump_impls, bench_mempool_impls, bench_mbuf_impls, bench_malloc_impls,
};

bool SameArgs(const bench_args &a, const bench_args &b)
{
	return a.bulk == b.bulk && a.outstanding == b.outstanding && a.size == b.size;
}

// The context of the benchmark now running.  Google Benchmark calls a
// benchmark's function several times (to size the iterations, then once per
// repetition), always back to back: keeping the context between calls spares
// the set-up (a 65536-buffer pool, a filled FIFO) and the warm-up each time.
struct Live {
	const bench_impl *impl = nullptr;
	bench_args args{};
	void *ctx = nullptr;
	uint64_t bufs_per_run = 0;

	void Release()
	{
		if (impl)
			impl->teardown(ctx);
		impl = nullptr;
		ctx = nullptr;
	}

	void *Get(const bench_impl *want, const bench_args &a)
	{
		if (impl == want && SameArgs(args, a))
			return ctx;
		Release();
		ctx = want->setup(want, &a, &bufs_per_run);
		if (!ctx)
			return nullptr;
		impl = want;
		args = a;
		// One untimed run: fills the caches the steady state lives in.
		if (impl->run(ctx)) {
			Release();
			return nullptr;
		}
		return ctx;
	}
};

Live live;

void Run(benchmark::State &state, const bench_impl *impl, bench_args args)
{
	void *ctx = live.Get(impl, args);

	if (!ctx) {
		state.SkipWithError(bench_last_error());
		return;
	}
	for (auto _ : state) {
		if (impl->run(ctx)) {
			state.SkipWithError(bench_last_error());
			live.Release();
			return;
		}
	}
	const double bufs = static_cast<double>(state.iterations()) *
			    static_cast<double>(live.bufs_per_run);
	state.SetItemsProcessed(static_cast<int64_t>(bufs));
	state.counters["bufs_per_s"] = benchmark::Counter(bufs, benchmark::Counter::kIsRate);
	// rate of (bufs / 1e9), inverted: seconds * 1e9 / bufs, ns per buffer.
	state.counters["ns_per_buf"] =
		benchmark::Counter(bufs * 1e-9, benchmark::Counter::kIsRate |
							benchmark::Counter::kInvert);
	state.SetLabel(impl->impl);
}

void RegisterAll(bool quick)
{
	for (const Workload &w : Workloads()) {
		for (const bench_args &a : quick ? w.quick : w.full) {
			for (const bench_impl *table : kTables) {
				for (const bench_impl *impl = table; impl->workload; impl++) {
					if (strcmp(impl->workload, w.name))
						continue;
					std::string name = std::string(w.name) + "/" + impl->impl +
							   "/" + w.label(a);
					auto *b = benchmark::RegisterBenchmark(name.c_str(), Run,
									       impl, a);
					b->UseRealTime()->Unit(benchmark::kMicrosecond);
					// Both threads' CPU time: a run whose thread B lost
					// its CPU shows (bench_report.py marks it).
					if (!strcmp(w.name, BENCH_W_XTHREAD))
						b->MeasureProcessCPUTime();
				}
			}
		}
	}
}

// The process-wide environment, once, before any benchmark.  Both
// allocators get 2 MiB hugepages when there are free ones enough for both,
// otherwise both run on 4 KiB pages: never one on each.  False only when
// there is no CPU to run on; a failed EAL leaves the DPDK benchmarks to
// report the reason.
bool EnvInit()
{
	bool huge = bench_hugepages_free() >= BENCH_BUMP_REGION + BENCH_DPDK_MEM;

	bench_cpus_record();
	int cpu = bench_first_cpu();
	if (cpu < 0)
		return false;
	// bump first: it is what is measured; then EAL on the same kind of pages.
	if (bench_bump_init(huge) && huge) {
		fprintf(stderr, "bump-bench: bump on hugepages failed (%s); both sides on 4 KiB "
			"pages\n", bench_last_error());
		huge = false;
		if (bench_bump_init(false))
			fprintf(stderr, "bump-bench: bump workloads disabled: %s\n",
				bench_last_error());
	}
	// Before pinning: EAL looks at the CPUs this thread may use.
	if (bench_dpdk_init(huge))
		fprintf(stderr, "bump-bench: DPDK peers disabled: %s\n", bench_last_error());
	// Every single-thread workload runs on the first CPU (cross-thread runs
	// add the second): pin now so that all of them run where the first did.
	bench_pin_self(cpu);
	return true;
}

void EnvFini()
{
	bench_bump_fini();
	bench_dpdk_fini();
}

}  // namespace

int main(int argc, char **argv)
{
	// --quick: a short minimum time and fewer arguments, for a smoke run or
	// the meson test.  It goes first, so a --benchmark_min_time given on the
	// command line still wins.
	std::vector<char *> args;
	char quick_min_time[] = "--benchmark_min_time=0.02";
	bool quick = false;

	args.push_back(argv[0]);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("bump-bench %s\n", bump_version());
			return 0;
		}
		if (!strcmp(argv[i], "--quick"))
			quick = true;
	}
	if (quick)
		args.push_back(quick_min_time);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--quick"))
			args.push_back(argv[i]);
	args.push_back(nullptr);
	int n = static_cast<int>(args.size()) - 1;

	benchmark::Initialize(&n, args.data());
	if (benchmark::ReportUnrecognizedArguments(n, args.data()))
		return 1;
	if (!EnvInit()) {
		fprintf(stderr, "bump-bench: no CPU to run on\n");
		return 1;
	}
	benchmark::AddCustomContext("bump_bench_preset", quick ? "quick" : "full");
	benchmark::AddCustomContext("bufs_per_iteration", std::to_string(BENCH_BUFS_PER_RUN));
	benchmark::AddCustomContext("bump_memory", bench_bump_memory());
	benchmark::AddCustomContext("dpdk_memory", bench_dpdk_memory());
	RegisterAll(quick);
	benchmark::RunSpecifiedBenchmarks();
	live.Release();
	benchmark::Shutdown();
	EnvFini();
	return 0;
}
