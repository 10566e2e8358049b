#pragma once
// Names the calling thread, so that `top -H`, `ps -L`, perf and gdb tell llmtap's threads apart
// (worker, pipeline, store, one per sink). Linux keeps at most 15 characters; longer names are cut.
#include <pthread.h>

#include <string>

namespace llmtap {

inline void name_this_thread(const std::string& name) {
  std::string cut = name.substr(0, 15);
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace llmtap
