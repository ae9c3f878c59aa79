// A recording stand-in for the Job DSL plugin, to EXECUTE Job DSL scripts (seed/bootstrap.groovy,
// `jobs render --format job-dsl`) under real Groovy: every context closure runs the way Job DSL's
// ContextHelper.executeInContext runs it (delegate = a fresh context, resolveStrategy =
// DELEGATE_FIRST), and a method the context does not have fails with MissingMethodException, as in
// Jenkins. Method names per context are job-dsl-plugin's (javaposse.jobdsl.dsl.*, see CONTEXTS) and,
// for the dynamic DSL, the @Symbol / @DataBoundConstructor names of the plugins that provide them.
//
// usage: groovy JobDslStandIn.groovy SCRIPT.groovy BINDING.json  -> JSON of the items declared
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import org.codehaus.groovy.control.CompilerConfiguration

class JobDsl {
    // context -> method -> the context its closure runs in (null: takes no closure)
    static final Map<String, Map<String, String>> CONTEXTS = [
        // JobParent
        top: [pipelineJob: 'pipelineJob', folder: 'folder', multibranchPipelineJob: 'multibranchPipelineJob'],
        // Folder (Item)
        folder: [description: null, displayName: null],
        // WorkflowJob / Job / Item
        pipelineJob: [description: null, displayName: null, disabled: null, logRotator: 'logRotator',
                      parameters: 'parameters', properties: 'properties', definition: 'definition'],
        // LogRotatorContext
        logRotator: [daysToKeep: null, numToKeep: null, artifactDaysToKeep: null, artifactNumToKeep: null],
        // BuildParametersContext (the ones we use)
        parameters: [booleanParam: null, choiceParam: null, stringParam: null, textParam: null],
        // PropertiesContext (static methods are not ours; dynamic DSL from workflow-job's symbols)
        properties: [disableConcurrentBuilds: 'disableConcurrentBuilds', pipelineTriggers: 'pipelineTriggers'],
        disableConcurrentBuilds: [abortPrevious: null],
        // PipelineTriggersJobProperty(triggers): SCMTrigger @Symbol pollSCM(scmpoll_spec), TimerTrigger @Symbol cron(spec)
        pipelineTriggers: [triggers: 'triggers'],
        triggers: [pollSCM: 'pollSCM', cron: 'cron'],
        pollSCM: [scmpoll_spec: null, ignorePostCommitHooks: null],
        cron: [spec: null],
        // WorkflowDefinitionContext, CpsContext, CpsScmContext
        definition: [cps: 'cps', cpsScm: 'cpsScm'],
        cps: [script: null, sandbox: null],
        cpsScm: [scm: 'scm', scriptPath: null, lightweight: null],
        // ScmContext, GitContext, RemoteContext
        scm: [git: 'git'],
        git: [remote: 'remote', branch: null, branches: null, extensions: 'extensions'],
        remote: [name: null, url: null, credentials: null, refspec: null, github: null],
        // GitExtensionContext (dynamic DSL: git plugin's PathRestriction @Symbol pathRestriction)
        extensions: [cleanAfterCheckout: null, cleanBeforeCheckout: null, wipeOutWorkspace: null,
                     pathRestriction: 'pathRestriction'],
        pathRestriction: [includedRegions: null, excludedRegions: null],
        // MultibranchWorkflowJob (a Folder): BranchSourcesContext, GitBranchSourceContext,
        // OrphanedItemStrategyContext, DiscardOldItemsContext, MultibranchWorkflowTriggerContext,
        // BranchProjectFactoryContext; folder properties and triggers through the dynamic DSL
        // (cloudbees-folder's PeriodicFolderTrigger, multibranch-action-triggers' PipelineTriggerProperty)
        multibranchPipelineJob: [description: null, displayName: null, branchSources: 'branchSources',
                                 orphanedItemStrategy: 'orphanedItemStrategy', triggers: 'folderTriggers',
                                 properties: 'folderProperties', factory: 'factory'],
        branchSources: [git: 'gitBranchSource'],
        gitBranchSource: [id: null, remote: null, credentialsId: null, includes: null, excludes: null,
                          ignoreOnPushNotifications: null],
        orphanedItemStrategy: [discardOldItems: 'discardOldItems'],
        discardOldItems: [daysToKeep: null, numToKeep: null],
        folderTriggers: [periodic: null, periodicFolderTrigger: 'periodicFolderTrigger'],
        periodicFolderTrigger: [interval: null],
        folderProperties: [pipelineTriggerProperty: 'pipelineTriggerProperty'],
        pipelineTriggerProperty: [createActionJobsToTrigger: null, deleteActionJobsToTrigger: null,
                                  actionJobsToTriggerOnRunDelete: null, quitePeriod: null, branchIncludeFilter: null,
                                  branchExcludeFilter: null, additionalParameters: 'additionalParameters'],
        additionalParameters: [additionalParameter: 'additionalParameter'],
        additionalParameter: [name: null, value: null],
        factory: [workflowBranchProjectFactory: 'workflowBranchProjectFactory'],
        workflowBranchProjectFactory: [scriptPath: null],
    ]

    static Object plain(Object value) {
        if (value instanceof GString) return value.toString()
        if (value instanceof List) return value.collect { plain(it) }
        if (value instanceof Object[]) return value.collect { plain(it) }
        if (value instanceof Map) return value.collectEntries { k, v -> [(k.toString()): plain(v)] }
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) return value
        throw new IllegalArgumentException("a Job DSL method got a ${value.getClass().name}: ${value}")
    }

    static List<Map> record(String kind, List<Map> into, String name, Object[] args) {
        Map<String, String> table = CONTEXTS[kind]
        if (!table.containsKey(name)) {
            throw new MissingMethodException(name, Context, args)
        }
        Closure body = args && args[-1] instanceof Closure ? (Closure) args[-1] : null
        List plainArgs = (body ? args.toList().dropRight(1) : args.toList()).collect { plain(it) }
        Map call = [method: name, args: plainArgs]
        String child = table[name]
        if (body != null && child == null) {
            throw new MissingMethodException(name, Context, args)
        }
        if (child != null) {
            Context ctx = new Context(kind: child)
            if (body != null) {
                body.delegate = ctx
                body.resolveStrategy = Closure.DELEGATE_FIRST
                body.call()
            }
            call.body = ctx.calls
        }
        into << call
        return into
    }
}

class Context {
    String kind
    List<Map> calls = []

    def methodMissing(String name, Object args) {
        JobDsl.record(kind, calls, name, (Object[]) args)
        return null
    }
}

abstract class JobDslScript extends Script {
    static List<Map> ITEMS = []

    def pipelineJob(String name, Closure body = null) { item('pipelineJob', name, body) }

    def folder(String name, Closure body = null) { item('folder', name, body) }

    def multibranchPipelineJob(String name, Closure body = null) { item('multibranchPipelineJob', name, body) }

    private item(String kind, String name, Closure body) {
        JobDsl.record('top', ITEMS, kind, body ? [name, body] as Object[] : [name] as Object[])
        return null
    }
}

def script = new File(args[0])
def values = new JsonSlurper().parse(new File(args[1]))
def config = new CompilerConfiguration()
config.scriptBaseClass = JobDslScript.name
def shell = new GroovyShell(this.class.classLoader, new Binding(values as Map), config)
shell.evaluate(script.text, "SeedScript.groovy")
println JsonOutput.toJson(JobDslScript.ITEMS)
