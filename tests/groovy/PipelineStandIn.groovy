// A recording stand-in for the Pipeline steps a shared library step (vars/*.groovy) calls, to
// EXECUTE it under real Groovy: `sh` (workflow-durable-task-step), `withEnv`, `echo`, `error`
// (workflow-basic-steps), `readProperties` (pipeline-utility-steps) and the `env` global
// (workflow-cps). Any other step fails with MissingMethodException, as an unknown step does in
// Jenkins. `sh` records the script text and the environment withEnv set around it.
//
// usage: groovy PipelineStandIn.groovy VAR.groovy CALL.json
//   CALL.json: {"args": {...the step's Map argument...}, "env": {...env.X values...},
//               "properties": {"FILE": {...}}}   -> JSON {"sh": [{"script": ..., "env": {...}}], "returned": ...}
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import org.codehaus.groovy.control.CompilerConfiguration

class EnvGlobal {
    Map<String, String> values = [:]
    List<Map<String, String>> overlays = []

    def propertyMissing(String name) {
        for (Map<String, String> o : overlays.reverse()) {
            if (o.containsKey(name)) return o[name]
        }
        return values[name]
    }

    def propertyMissing(String name, Object value) { values[name] = value?.toString() }

    Map<String, String> current() {
        Map<String, String> out = [:]
        overlays.each { out.putAll(it) }
        return out
    }
}

abstract class PipelineScript extends Script {
    static EnvGlobal ENV = new EnvGlobal()
    static List<Map> SH = []
    static Map PROPERTIES = [:]

    EnvGlobal getEnv() { ENV }

    def sh(Object script) { sh([script: script]) }

    def sh(Map args) {
        if (args.script == null) throw new IllegalArgumentException('sh: missing script')
        SH << [script: args.script.toString(), env: ENV.current()]
        return args.returnStdout ? '' : null
    }

    def withEnv(List overrides, Closure body) {
        Map<String, String> overlay = [:]
        overrides.each { String entry ->
            int eq = entry.indexOf('=')
            if (eq < 1) throw new IllegalArgumentException("withEnv entry without NAME=: ${entry}")
            overlay[entry.substring(0, eq)] = entry.substring(eq + 1)
        }
        ENV.overlays << overlay
        try {
            return body.call()
        } finally {
            ENV.overlays.remove(ENV.overlays.size() - 1)
        }
    }

    def readProperties(Map args) {
        if (!PROPERTIES.containsKey(args.file)) throw new FileNotFoundException(args.file.toString())
        return PROPERTIES[args.file]
    }

    def echo(String message) { System.err.println(message) }

    def error(String message) { throw new RuntimeException(message) }
}

def step = new File(args[0])
def call = new JsonSlurper().parse(new File(args[1]))
PipelineScript.ENV.values.putAll(call.env ?: [:])
PipelineScript.PROPERTIES.putAll(call.properties ?: [:])
def config = new CompilerConfiguration()
config.scriptBaseClass = PipelineScript.name
def shell = new GroovyShell(this.class.classLoader, new Binding(), config)
def script = shell.parse(step.text, step.name.replace('.groovy', '') + '.groovy')
def returned = script.call(call.args ?: [:])
println JsonOutput.toJson([sh: PipelineScript.SH, returned: returned instanceof Map ? returned : null])
