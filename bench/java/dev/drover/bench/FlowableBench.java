package dev.drover.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.flowable.engine.ProcessEngine;
import org.flowable.engine.ProcessEngineConfiguration;
import org.flowable.engine.delegate.DelegateExecution;
import org.flowable.engine.delegate.JavaDelegate;

/**
 * Flowable 8 embedded, the peer of {@link FlowBench}: the same shape as a BPMN process (a
 * service task, a parallel gateway fanning out to N no-op service tasks, a joining gateway, a
 * service task), H2 in memory, default ("audit") history. Each instance runs synchronously in
 * the thread that starts it, in one transaction: no per-task durability.
 */
final class FlowableBench {
  private FlowableBench() {}

  /** Flowable's no-op service task. */
  public static final class NoOp implements JavaDelegate {
    @Override
    public void execute(DelegateExecution execution) {}
  }

  static String bpmn(int fanOut) {
    String cls = NoOp.class.getName();
    StringBuilder b = new StringBuilder("""
        <?xml version="1.0" encoding="UTF-8"?>
        <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
            xmlns:flowable="http://flowable.org/bpmn" targetNamespace="drover-bench">
          <process id="fanOut" isExecutable="true">
            <startEvent id="begin"/>
            <sequenceFlow id="f0" sourceRef="begin" targetRef="start"/>
        """);
    b.append("    <serviceTask id=\"start\" flowable:class=\"").append(cls).append("\"/>\n");
    b.append("    <sequenceFlow id=\"f1\" sourceRef=\"start\" targetRef=\"fork\"/>\n");
    b.append("    <parallelGateway id=\"fork\"/>\n    <parallelGateway id=\"join\"/>\n");
    for (int i = 0; i < fanOut; i++) {
      String t = "t" + i;
      b.append("    <serviceTask id=\"").append(t).append("\" flowable:class=\"").append(cls)
          .append("\"/>\n");
      b.append("    <sequenceFlow id=\"in").append(i).append("\" sourceRef=\"fork\" targetRef=\"")
          .append(t).append("\"/>\n");
      b.append("    <sequenceFlow id=\"out").append(i).append("\" sourceRef=\"").append(t)
          .append("\" targetRef=\"join\"/>\n");
    }
    b.append("    <sequenceFlow id=\"f2\" sourceRef=\"join\" targetRef=\"end\"/>\n");
    b.append("    <serviceTask id=\"end\" flowable:class=\"").append(cls).append("\"/>\n");
    b.append("    <sequenceFlow id=\"f3\" sourceRef=\"end\" targetRef=\"finish\"/>\n");
    b.append("    <endEvent id=\"finish\"/>\n  </process>\n</definitions>\n");
    return b.toString();
  }

  /** Executions per second of {@code runs} runs (after one warm-up) of {@code executions}. */
  static List<Double> runs(int runs, int executions, int fanOut) throws Exception {
    ProcessEngine engine = ProcessEngineConfiguration
        .createStandaloneInMemProcessEngineConfiguration()
        .setJdbcUrl("jdbc:h2:mem:flowable-bench;DB_CLOSE_DELAY=-1")
        .setAsyncExecutorActivate(false)
        .setDatabaseSchemaUpdate(ProcessEngineConfiguration.DB_SCHEMA_UPDATE_TRUE)
        .buildProcessEngine();
    // as many starting threads as the Drover run has executions in flight would be unfair to
    // a thread-per-instance engine on 2 cores: use a pool as large as the engine's own
    ExecutorService starters = Executors.newFixedThreadPool(8);
    try {
      engine.getRepositoryService().createDeployment()
          .addString("fan-out.bpmn20.xml", bpmn(fanOut)).deploy();
      List<Double> rates = new ArrayList<>();
      for (int run = 0; run <= runs; run++) {
        long start = System.nanoTime();
        List<Future<?>> started = new ArrayList<>();
        for (int i = 0; i < executions; i++) {
          started.add(starters.submit(() ->
              engine.getRuntimeService().startProcessInstanceByKey("fanOut")));
        }
        for (Future<?> f : started) {
          f.get();
        }
        double rate = executions / ((System.nanoTime() - start) / 1e9);
        long unfinished = engine.getRuntimeService().createProcessInstanceQuery().count();
        if (unfinished != 0) {
          throw new IllegalStateException(unfinished + " Flowable instances did not finish");
        }
        if (run > 0) {
          rates.add(rate);
          System.out.printf("flowable run %d: %.1f executions/s%n", run, rate);
        } else {
          System.out.printf("flowable warm-up: %.1f executions/s%n", rate);
        }
      }
      return rates;
    } finally {
      starters.shutdownNow();
      engine.close();
    }
  }
}
